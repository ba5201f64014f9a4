// `exec` into a running container: the process joins the container (namespaces,
// cgroup), gets the process attributes from the config and the flags, and
// exec's own failures exit 255 with runc's messages.
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

class ExecTest : public IntegrationTest {
protected:
    // A detached container whose init sleeps; returns its id.
    std::string start_sleeper(const std::function<void(Bundle&)>& edit = {}) {
        auto bundle = make_bundle();
        bundle.spec.process->args = {"/bin/sleep", "600"};
        if (edit) edit(bundle);
        bundle.write();
        auto r = run_berth("run", "--detach", "--bundle", bundle.path(), last_id());
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        return last_id();
    }
    void TearDown() override {
        for (const auto& id : started_) run_berth("delete", "--force", id);
        IntegrationTest::TearDown();
    }
    std::string sleeper(const std::function<void(Bundle&)>& edit = {}) {
        started_.push_back(start_sleeper(edit));
        return started_.back();
    }
    ProbeReport exec_probe(const std::vector<std::string>& args) {
        auto r = run_berth_argv(args);
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        return ProbeReport::parse(r.out);
    }

private:
    std::vector<std::string> started_;
};

uint64_t ns_inode_of(int pid, const std::string& name) {
    struct stat st {};
    std::string path = "/proc/" + std::to_string(pid) + "/ns/" + name;
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST_F(ExecTest, JoinsTheInitsNamespacesAndCgroup) {
    std::string id = sleeper();
    int init = state_of(id).pid;
    ASSERT_GT(init, 0);
    auto report = exec_probe({"exec", id, "/bin/probe"});
    for (const char* ns : {"pid", "mnt", "net", "ipc", "uts"}) {
        ASSERT_TRUE(report.ns_inode(ns).has_value()) << ns;
        EXPECT_EQ(*report.ns_inode(ns), ns_inode_of(init, ns)) << ns;
        EXPECT_NE(*report.ns_inode(ns), host_ns_inode(ns)) << ns;
    }
    // The init is pid 1 in its namespace; the exec'd process is another one in it.
    EXPECT_GT(report.pid(), 1);
    // In the init's cgroup in every hierarchy (v1 joined by the process itself, v2 at birth).
    std::map<std::string, std::string> init_cgroups;
    std::ifstream init_file("/proc/" + std::to_string(init) + "/cgroup");
    for (std::string line; std::getline(init_file, line);) {
        const size_t first = line.find(':'), second = line.find(':', first + 1);
        init_cgroups[line.substr(first + 1, second - first - 1)] = line.substr(second + 1);
    }
    const auto cgroups = report.cgroups();
    EXPECT_EQ(cgroups.size(), init_cgroups.size());
    for (const auto& [controllers, path] : cgroups) {
        EXPECT_EQ(path, init_cgroups[controllers]) << controllers;
        EXPECT_NE(path.find(id), std::string::npos) << controllers << ":" << path;
    }
}

// As the init (and runc's fixStdioPermissions for both): stdio made by root,
// pipes here, is handed to the user the process runs as; exec used to hand
// over only terminals.
TEST_F(ExecTest, StdioBelongsToTheUser) {
    std::string id = sleeper();
    auto r = run_berth("exec", "--user", "1000:1000", id, "/bin/sh", "-c", "stat -L -c %u /proc/self/fd/1 /proc/self/fd/2");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "1000\n1000\n") << r.describe();
}

TEST_F(ExecTest, FlagsShapeTheProcess) {
    std::string id = sleeper();
    auto report = exec_probe({"exec", "--env", "EXEC_TEST=yes", "--cwd", "/tmp", "--user", "1000:1000",
                              "--additional-gids", "100", "--additional-gids", "65534", id, "/bin/probe"});
    EXPECT_EQ(report.uid(), 1000U);
    EXPECT_EQ(report.gid(), 1000U);
    auto groups = report.groups();
    EXPECT_NE(std::find(groups.begin(), groups.end(), 100U), groups.end());
    EXPECT_NE(std::find(groups.begin(), groups.end(), 65534U), groups.end());
    EXPECT_EQ(report.cwd(), "/tmp");
    EXPECT_EQ(report.env_value("EXEC_TEST"), "yes");
    // The config's env is the base (runc spec sets TERM and PATH).
    EXPECT_TRUE(report.env_value("PATH").has_value());
    EXPECT_TRUE(report.env_value("HOME").has_value());
}

TEST_F(ExecTest, CapIsAddedButNeverInheritable) {
    std::string id = sleeper();
    auto report = exec_probe({"exec", "--cap", "CAP_NET_RAW", "--no-new-privs", id, "/bin/probe"});
    auto eff = report.capabilities("effective");
    EXPECT_NE(std::find(eff.begin(), eff.end(), "CAP_NET_RAW"), eff.end());
    EXPECT_TRUE(report.capabilities("inheritable").empty());
    EXPECT_TRUE(report.no_new_privs());
}

TEST_F(ExecTest, ContainerSeccompAndRlimitsApply) {
    std::string id = sleeper([](Bundle& b) {
        oci::Rlimit nofile;
        nofile.type = "RLIMIT_NOFILE";
        nofile.hard = 512;
        nofile.soft = 256;
        b.spec.process->rlimits = {nofile};
        oci::Seccomp seccomp;
        seccomp.defaultAction = "SCMP_ACT_ALLOW";
        oci::SeccompSyscall chroot_rule;
        chroot_rule.names = {"chroot"};
        chroot_rule.action = "SCMP_ACT_ERRNO";
        seccomp.syscalls = {chroot_rule};
        b.spec.linux->seccomp = seccomp;
    });
    auto report = exec_probe({"exec", id, "/bin/probe"});
    EXPECT_EQ(report.seccomp_mode(), 2);
    EXPECT_EQ(report.rlimit("RLIMIT_NOFILE"), std::make_pair(uint64_t{256}, uint64_t{512}));
}

TEST_F(ExecTest, ProcessFileReplacesTheConfigsProcess) {
    std::string id = sleeper();
    std::string path = dir() + "/process.json";
    std::ofstream(path) << R"({"args":["/bin/probe"],"cwd":"/etc","env":["ONLY=this"],"user":{"uid":2,"gid":3}})";
    auto report = exec_probe({"exec", "--process", path, id});
    EXPECT_EQ(report.cwd(), "/etc");
    EXPECT_EQ(report.uid(), 2U);
    EXPECT_EQ(report.gid(), 3U);
    EXPECT_EQ(report.env_value("ONLY"), "this");
    EXPECT_FALSE(report.env_value("TERM").has_value());
}

TEST_F(ExecTest, ExitCodes) {
    std::string id = sleeper();
    EXPECT_EQ(run_berth("exec", id, "/bin/sh", "-c", "exit 42").exit_code, 42);
    EXPECT_EQ(run_berth("exec", id, "false").exit_code, 1);
    EXPECT_EQ(run_berth("exec", id, "/bin/sh", "-c", "kill -9 $$").exit_code, 128 + 9);
    auto missing = run_berth("exec", id, "no-such-binary");
    EXPECT_EQ(missing.exit_code, 255);
    if (runtime_is_berth()) {
        EXPECT_NE(missing.err.find("executable file not found in $PATH"), std::string::npos)
            << missing.describe();
    }
    auto unknown = run_berth("exec", "no-such-container", "true");
    EXPECT_EQ(unknown.exit_code, 255);
    EXPECT_NE(unknown.err.find("container does not exist"), std::string::npos) << unknown.describe();
    auto no_args = run_berth("exec", id);
    EXPECT_EQ(no_args.exit_code, 255);
    EXPECT_NE(no_args.err.find("process args cannot be empty"), std::string::npos) << no_args.describe();
    auto bad_cwd = run_berth("exec", "--cwd", "/no/such/dir", id, "true");
    EXPECT_EQ(bad_cwd.exit_code, 255);
    EXPECT_NE(bad_cwd.err.find("set in config.json failed"), std::string::npos)
        << bad_cwd.describe();
}

TEST_F(ExecTest, DetachWritesThePidFile) {
    std::string id = sleeper();
    std::string pid_file = dir() + "/exec.pid";
    auto r = run_berth("exec", "--detach", "--pid-file", pid_file, id, "/bin/sleep", "1");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    int pid = std::stoi(read_file(pid_file));
    EXPECT_GT(pid, 0);
    EXPECT_NE(pid, state_of(id).pid);
    // Detached, it was handed to us (the test is a subreaper): reap it, or the
    // container's init could not finish dying in `delete` (a pid namespace's
    // init waits until every process of the namespace is reaped).
    EXPECT_EQ(::waitpid(pid, nullptr, 0), pid);
    auto bad = run_berth("exec", "--pid-file", "/non-existent/directory/pid", id, "true");
    EXPECT_EQ(bad.exit_code, 255);
}

// exec takes everything from the config create saw, kept in the state dir:
// editing or removing the bundle's config.json afterwards changes nothing.
// runc 1.1.5 differs on purpose here: it uses its saved copy for seccomp and
// the rest, but re-reads the bundle's process section for exec's defaults
// (env, cwd, user...) and fails with "JSON specification file config.json not
// found" once the bundle is gone.
TEST_F(ExecTest, UsesTheConfigCreateSaw) {
    if (!runtime_is_berth()) GTEST_SKIP() << "runc 1.1.5 re-reads the bundle's process section";
    auto bundle = make_bundle();
    bundle.spec.process->args = {"/bin/sleep", "600"};
    bundle.spec.process->env.push_back("SAVED=at-create");
    bundle.write();
    ASSERT_EQ(run_berth("run", "--detach", "--bundle", bundle.path(), last_id()).exit_code, 0);
    const std::string id = last_id();
    bundle.spec.process->env.back() = "SAVED=changed";
    bundle.write();
    EXPECT_EQ(exec_probe({"exec", id, "/bin/probe"}).env_value("SAVED"), "at-create");
    ASSERT_EQ(::unlink(bundle.config_path().c_str()), 0);
    EXPECT_EQ(exec_probe({"exec", id, "/bin/probe"}).env_value("SAVED"), "at-create");
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
}

TEST_F(ExecTest, TerminalIsAPtyRelayedInTheForeground) {
    std::string id = sleeper();
    auto r = run_berth("exec", "--tty", id, "/bin/sh", "-c", "tty; exit 3");
    EXPECT_EQ(r.exit_code, 3) << r.describe();
    EXPECT_NE(r.out.find("/dev/pts/"), std::string::npos) << r.describe();
    // ONLCR is off on a pty berth relays itself (runc's intent; its own exec
    // clears it racily, after the process may have written).
    EXPECT_EQ(r.out.find('\r'), std::string::npos) << r.describe();
    auto detached = run_berth("exec", "--tty", "--detach", id, "true");
    EXPECT_EQ(detached.exit_code, 255);
    EXPECT_NE(detached.err.find("cannot allocate tty if runc will detach without setting console socket"),
              std::string::npos)
        << detached.describe();
}

TEST_F(ExecTest, PausedAndStoppedContainersAreRefused) {
    std::string id = sleeper();
    ASSERT_EQ(run_berth("pause", id).exit_code, 0);
    auto paused = run_berth("exec", id, "true");
    EXPECT_EQ(paused.exit_code, 255);
    EXPECT_NE(paused.err.find("cannot exec in a paused container (use --ignore-paused to override)"), std::string::npos)
        << paused.describe();
    ASSERT_EQ(run_berth("resume", id).exit_code, 0);
    ASSERT_EQ(run_berth("kill", id, "KILL").exit_code, 0);
    ASSERT_EQ(wait_for_status(id, "stopped"), "stopped");
    auto stopped = run_berth("exec", id, "true");
    EXPECT_EQ(stopped.exit_code, 255);
    EXPECT_NE(stopped.err.find("cannot exec in a stopped container"), std::string::npos) << stopped.describe();
}

}  // namespace
}  // namespace berth::test
