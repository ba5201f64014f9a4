// The lifecycle commands end to end: create/start/state/kill/delete/run/list,
// their runc error texts and exit codes, and that nothing is left behind (the
// fixture's leak check runs after every test).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

int parent_of(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(in, line);
    size_t close = line.rfind(')');
    if (close == std::string::npos) return -1;
    char state = 0;
    int ppid = -1;
    std::sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid);
    return ppid;
}

class Lifecycle : public IntegrationTest {
protected:
    // A created container running `args` (default: sleep), its id.
    std::string create(const std::vector<std::string>& args = {"sleep", "100"}) {
        auto bundle = make_bundle();
        bundle.spec.process->args = args;
        bundle.write();
        auto r = run_berth("create", "--bundle", bundle.path(), last_id());
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        return last_id();
    }
};

TEST_F(Lifecycle, CreateStartKillDeleteWalksThroughEveryStatus) {
    auto id = create();
    auto created = state_of(id);
    EXPECT_EQ(created.status, "created");
    ASSERT_GT(created.pid, 0);
    // berth create has exited: the init was handed to the caller's subreaper (or pid 1).
    std::string parent_comm = read_file("/proc/" + std::to_string(parent_of(created.pid)) + "/comm");
    EXPECT_NE(parent_comm, "berth\n");

    ASSERT_EQ(run_berth("start", id).exit_code, 0);
    EXPECT_EQ(state_of(id).status, "running");

    ASSERT_EQ(run_berth("kill", id, "KILL").exit_code, 0);
    EXPECT_EQ(wait_for_status(id, "stopped"), "stopped");
    auto stopped = state_of(id);
    EXPECT_EQ(stopped.pid, 0);

    ASSERT_EQ(run_berth("delete", id).exit_code, 0);
    auto gone = run_berth("state", id);
    EXPECT_NE(gone.exit_code, 0);
    EXPECT_TRUE(has(gone.err, "container does not exist")) << gone.describe();
}

TEST_F(Lifecycle, StateHasRuncsFields) {
    auto id = create();
    auto s = state_of(id);
    for (const char* field : {"\"ociVersion\"", "\"id\"", "\"pid\"", "\"status\"", "\"bundle\"", "\"rootfs\"",
                              "\"created\"", "\"owner\""}) {
        EXPECT_TRUE(has(s.result.out, field)) << field << " in " << s.result.out;
    }
    EXPECT_TRUE(has(s.result.out, "\"id\": \"" + id + "\"")) << s.result.out;  // indented like runc
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
}

TEST_F(Lifecycle, UnknownIdErrorsButForcedDeleteSucceeds) {
    for (const char* cmd : {"state", "start", "kill", "delete"}) {
        auto r = run_berth(cmd, "no-such-container");
        EXPECT_NE(r.exit_code, 0) << cmd;
        if (runtime_is_berth()) {
            EXPECT_TRUE(has(r.err, "container does not exist")) << r.describe();
        }
    }
    EXPECT_EQ(run_berth("delete", "--force", "no-such-container").exit_code, 0);
}

TEST_F(Lifecycle, DuplicateAndInvalidIdsAreRefused) {
    auto id = create();
    auto bundle = make_bundle();
    bundle.write();
    auto dup = run_berth("create", "--bundle", bundle.path(), id);
    EXPECT_NE(dup.exit_code, 0);
    EXPECT_TRUE(has(dup.err, "container with given ID already exists")) << dup.describe();
    for (const char* bad : {"a/b", "..", "bad id"}) {
        auto r = run_berth("create", "--bundle", bundle.path(), bad);
        EXPECT_NE(r.exit_code, 0) << bad;
        EXPECT_TRUE(has(r.err, "invalid container ID format")) << r.describe();
    }
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
}

// The systemd driver runs on every layout (tests/systemd-vm boots systemd with
// cgroup v2 and hybrid); this host has no systemd: create fails naming the
// socket and makes nothing. Rootless it is refused on a v1/hybrid host, as runc.
TEST_F(Lifecycle, SystemdCgroupDriverWithoutSystemdFailsAndLeavesNothing) {
    auto bundle = make_bundle();
    bundle.spec.linux->cgroupsPath = "system.slice:berth-test:sd";
    bundle.write();
    auto r = run_berth("--systemd-cgroup", "create", "--bundle", bundle.path(), "sd");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "cannot reach systemd") && has(r.err, "/run/systemd/private")) << r.describe();
    auto rootless = run_berth("--rootless", "true", "--systemd-cgroup", "create", "--bundle", bundle.path(), "sd");
    EXPECT_NE(rootless.exit_code, 0);
    EXPECT_TRUE(has(rootless.err, "no rootless systemd driver on a hybrid cgroup host")) << rootless.describe();
    EXPECT_NE(run_berth("state", "sd").exit_code, 0);
    for (const char* hierarchy : {"memory", "pids", "freezer", "unified"})
        EXPECT_NE(access(("/sys/fs/cgroup/" + std::string(hierarchy) + "/system.slice/berth-test-sd.scope").c_str(), F_OK), 0);
}

// Fields the parser accepts are applied or refused by name: these two are
// Windows fields (runtime-spec config.md), and a false useHierarchy cannot be had.
TEST_F(Lifecycle, FieldsThatCannotApplyHereAreRefusedByName) {
    auto windows = make_bundle();
    windows.spec.process->commandLine = "cmd.exe /c dir";
    windows.write();
    auto r = run_berth("create", "--bundle", windows.path(), new_id());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "config.json: process.commandLine: a Windows field, not used on Linux")) << r.describe();

    auto hierarchy = make_bundle();
    hierarchy.spec.linux->resources.emplace().memory.emplace().useHierarchy = false;
    hierarchy.write();
    r = run_berth("create", "--bundle", hierarchy.path(), new_id());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "linux.resources.memory.useHierarchy: false is not possible")) << r.describe();
}

TEST_F(Lifecycle, BundleWithoutConfigFailsAndLeavesNothing) {
    auto r = run_berth("create", "--bundle", dir(), new_id());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "config.json")) << r.describe();
}

TEST_F(Lifecycle, WrongStateErrorsAreRuncs) {
    auto id = create();
    ASSERT_EQ(run_berth("start", id).exit_code, 0);
    auto again = run_berth("start", id);
    EXPECT_NE(again.exit_code, 0);
    EXPECT_TRUE(has(again.err, "cannot start an already running container")) << again.describe();
    auto del = run_berth("delete", id);
    EXPECT_NE(del.exit_code, 0);
    EXPECT_TRUE(has(del.err, "cannot delete container " + id + " that is not stopped: running")) << del.describe();
    ASSERT_EQ(run_berth("kill", id, "9").exit_code, 0);
    wait_for_status(id, "stopped");
    auto kill = run_berth("kill", id);
    EXPECT_NE(kill.exit_code, 0);
    EXPECT_TRUE(has(kill.err, "container not running")) << kill.describe();
    auto start = run_berth("start", id);
    EXPECT_TRUE(has(start.err, "cannot start a container that has stopped")) << start.describe();
    EXPECT_EQ(run_berth("delete", id).exit_code, 0);
}

TEST_F(Lifecycle, KillTakesNamesAndNumbersAndRejectsUnknownOnes) {
    auto id = create();
    auto bad = run_berth("kill", id, "FOO");
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_TRUE(has(bad.err, "unknown signal") && has(bad.err, "FOO")) << bad.describe();
    EXPECT_EQ(run_berth("kill", id, "SIGKILL").exit_code, 0);
    EXPECT_EQ(wait_for_status(id, "stopped"), "stopped");
    EXPECT_EQ(run_berth("delete", id).exit_code, 0);
}

// A created init (waiting for `start`) dies of SIGTERM, SIGHUP and SIGINT as
// runc's does (1.3.6's pidfd-socket.bats), although it is pid 1 of its pid
// namespace, where those signals' default action is ignored; others wait.
TEST_F(Lifecycle, ACreatedInitDiesOfTermHupAndInt) {
    for (const char* sig : {"TERM", "HUP", "INT"}) {
        auto id = create();
        ASSERT_EQ(run_berth("kill", id, sig).exit_code, 0);
        EXPECT_EQ(wait_for_status(id, "stopped"), "stopped") << sig;
        EXPECT_EQ(run_berth("delete", id).exit_code, 0);
    }
    auto id = create();
    ASSERT_EQ(run_berth("kill", id, "USR1").exit_code, 0);
    ::usleep(300000);
    EXPECT_EQ(state_of(id).status, "created");
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
}

// SIGKILL to a paused (frozen) init only lands once the cgroup is thawed:
// runc thaws after sending it, so the container stops (podman's kill of a
// paused container waits for that exit). Other signals stay pending.
TEST_F(Lifecycle, KillOfAPausedContainerStopsIt) {
    auto id = create();
    ASSERT_EQ(run_berth("start", id).exit_code, 0);
    ASSERT_EQ(run_berth("pause", id).exit_code, 0);
    ASSERT_EQ(run_berth("kill", id, "TERM").exit_code, 0);
    EXPECT_EQ(state_of(id).status, "paused");
    ASSERT_EQ(run_berth("kill", id, "KILL").exit_code, 0);
    EXPECT_EQ(wait_for_status(id, "stopped"), "stopped");
    EXPECT_EQ(run_berth("delete", id).exit_code, 0);
}

// A foreground run with a terminal relays the pty with ONLCR off, as runc
// does: the process's "\n" arrives as "\n", not "\r\n".
TEST_F(Lifecycle, ForegroundTerminalKeepsNewlines) {
    if (!runtime_is_berth()) GTEST_SKIP() << "runc's foreground tty needs a controlling terminal (/dev/tty)";
    auto bundle = make_bundle();
    bundle.spec.process->terminal = true;
    bundle.spec.process->args = {"/bin/sh", "-c", "echo a; echo b"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "a\nb\n");
}

TEST_F(Lifecycle, ForcedDeleteKillsARunningContainer) {
    auto id = create();
    ASSERT_EQ(run_berth("start", id).exit_code, 0);
    int pid = state_of(id).pid;
    ASSERT_GT(pid, 0);
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
    EXPECT_NE(access(("/proc/" + std::to_string(pid) + "/exe").c_str(), F_OK), 0);
}

TEST_F(Lifecycle, DeleteOfACreatedContainerRemovesIt) {
    auto id = create();
    EXPECT_EQ(run_berth("delete", id).exit_code, 0);
    EXPECT_NE(run_berth("state", id).exit_code, 0);
}

TEST_F(Lifecycle, PidFileHoldsTheInitPid) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"sleep", "100"};
    bundle.write();
    std::string pid_file = dir() + "/init.pid";
    ASSERT_EQ(run_berth("create", "--bundle", bundle.path(), "--pid-file", pid_file, last_id()).exit_code, 0);
    EXPECT_EQ(read_file(pid_file), std::to_string(state_of(last_id()).pid));
    EXPECT_EQ(run_berth("delete", "--force", last_id()).exit_code, 0);
}

TEST_F(Lifecycle, RunExitsWithTheProcessStatus) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"sh", "-c", "exit 3"};
    bundle.write();
    EXPECT_EQ(run_berth("run", "--bundle", bundle.path(), last_id()).exit_code, 3);
    EXPECT_NE(run_berth("state", last_id()).exit_code, 0);  // deleted after it exited
}

TEST_F(Lifecycle, RunReportsAKillAs128PlusSignal) {
    auto bundle = make_bundle();
    // Without a pid namespace the shell is no namespace init, so it can SIGKILL itself.
    auto& ns = bundle.spec.linux->namespaces;
    ns.erase(std::remove_if(ns.begin(), ns.end(), [](const oci::Namespace& n) { return n.type == oci::NamespaceType::pid; }),
             ns.end());
    bundle.spec.process->args = {"sh", "-c", "kill -9 $$"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_EQ(r.exit_code, 128 + 9) << r.describe();
}

TEST_F(Lifecycle, RunKeepLeavesAStoppedContainer) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"true"};
    bundle.write();
    ASSERT_EQ(run_berth("run", "--keep", "--bundle", bundle.path(), last_id()).exit_code, 0);
    EXPECT_EQ(state_of(last_id()).status, "stopped");
    EXPECT_EQ(run_berth("delete", last_id()).exit_code, 0);
}

TEST_F(Lifecycle, RunDetachReturnsWhileTheContainerRuns) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"sleep", "100"};
    bundle.write();
    ASSERT_EQ(run_berth("run", "--detach", "--bundle", bundle.path(), last_id()).exit_code, 0);
    EXPECT_EQ(state_of(last_id()).status, "running");
    EXPECT_EQ(run_berth("delete", "--force", last_id()).exit_code, 0);
}

TEST_F(Lifecycle, MissingExecutableFailsCreateWithRuncsText) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"no-such-binary"};
    bundle.write();
    auto r = run_berth("create", "--bundle", bundle.path(), last_id());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "no-such-binary") && has(r.err, "executable file not found in $PATH")) << r.describe();
}

TEST_F(Lifecycle, ListShowsContainers) {
    auto id = create();
    auto quiet = run_berth("list", "-q");
    EXPECT_EQ(quiet.out, id + "\n");
    auto table = run_berth("list");
    EXPECT_TRUE(has(table.out, "ID") && has(table.out, "created")) << table.out;
    auto json = run_berth("list", "--format", "json");
    EXPECT_TRUE(has(json.out, "\"id\":\"" + id + "\"")) << json.out;
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
}

}  // namespace
}  // namespace berth::test
