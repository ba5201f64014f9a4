// OCI hooks: every kind runs at its point of the lifecycle with the state on
// stdin; failures follow runtime-spec 1.3 (create/start fail, nothing is left).
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::stringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

oci::Hook command_hook(std::string path, std::vector<std::string> args = {}) {
    oci::Hook hook;
    hook.path = std::move(path);
    hook.args = std::move(args);
    return hook;
}

class Hooks : public IntegrationTest {
protected:
    // A host script appending "<kind> <state JSON>" to log().
    oci::Hook logging_hook(const std::string& kind) {
        std::string script = dir() + "/hook.sh";
        std::ofstream(script) << "#!/bin/sh\nprintf '%s %s\\n' \"$1\" \"$(cat)\" >> " << log() << "\n";
        chmod(script.c_str(), 0755);
        return command_hook(script, {"hook.sh", kind});
    }
    std::string log() const { return dir() + "/hooks.log"; }

    // `start` of a created container running `sleep 100` with `hooks`.
    RunResult start_with(oci::Hooks hooks) {
        auto bundle = make_bundle();
        bundle.spec.hooks = std::move(hooks);
        bundle.spec.process->args = {"sleep", "100"};
        bundle.write();
        auto created = run_berth("create", "--bundle", bundle.path(), last_id());
        EXPECT_EQ(created.exit_code, 0) << created.describe();
        return run_berth("start", last_id());
    }
};

TEST_F(Hooks, EveryKindRunsInOrderWithTheState) {
    auto bundle = make_bundle();
    auto id = last_id();
    bundle.spec.process->args = {"true"};
    oci::Hooks hooks;
    hooks.prestart = {logging_hook("prestart")};
    hooks.createRuntime = {logging_hook("createRuntime")};
    hooks.createContainer = {logging_hook("createContainer")};  // before pivot_root: the host path still resolves
    hooks.poststart = {logging_hook("poststart")};
    hooks.poststop = {logging_hook("poststop")};
    bundle.spec.hooks = hooks;
    bundle.write();
    ASSERT_EQ(run_berth("create", "--bundle", bundle.path(), id).exit_code, 0);
    ASSERT_EQ(run_berth("start", id).exit_code, 0);
    wait_for_status(id, "stopped");
    ASSERT_EQ(run_berth("delete", id).exit_code, 0);

    auto lines = lines_of(read_file(log()));
    ASSERT_EQ(lines.size(), 5u) << read_file(log());
    const char* order[] = {"prestart ", "createRuntime ", "createContainer ", "poststart ", "poststop "};
    for (size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(lines[i].rfind(order[i], 0), 0u) << lines[i];
        EXPECT_NE(lines[i].find("\"id\":\"" + id + "\""), std::string::npos) << lines[i];
    }
    EXPECT_NE(lines[0].find("\"status\":\"creating\""), std::string::npos) << lines[0];
    EXPECT_NE(lines[3].find("\"status\":\"running\""), std::string::npos) << lines[3];
    EXPECT_NE(lines[4].find("\"status\":\"stopped\""), std::string::npos) << lines[4];
}

// The state can be far larger than a socket buffer (annotations have no size
// limit): every hook gets all of it, the child's (createContainer,
// startContainer) as well as berth's own (prestart).
TEST_F(Hooks, ALargeStateReachesEveryHookWhole) {
    auto bundle = make_bundle();
    const std::string big(1 << 20, 'x');  // more than the 64 KiB the init had, and than a datagram may be
    bundle.spec.annotations["big"] = big;
    bundle.spec.process->args = {"true"};
    bundle.spec.hooks = oci::Hooks{};
    // createContainer runs before pivot_root (host paths), startContainer after it
    // (the container's: the test directory is bound at /out).
    oci::Mount out;
    out.destination = "/out";
    out.type = "bind";
    out.source = dir();
    out.options = {"rbind", "rw"};
    bundle.spec.mounts.push_back(out);
    bundle.spec.hooks->prestart = {command_hook("/bin/sh", {"sh", "-c", "cat > " + dir() + "/prestart.json"})};
    bundle.spec.hooks->createContainer = {command_hook("/bin/sh", {"sh", "-c", "cat > " + dir() + "/createContainer.json"})};
    bundle.spec.hooks->startContainer = {command_hook("/bin/sh", {"sh", "-c", "cat > /out/startContainer.json"})};
    bundle.write();
    auto created = run_berth("create", "--bundle", bundle.path(), last_id());
    ASSERT_EQ(created.exit_code, 0) << created.describe();
    auto started = run_berth("start", last_id());
    ASSERT_EQ(started.exit_code, 0) << started.describe();
    wait_for_status(last_id(), "stopped");
    EXPECT_EQ(run_berth("delete", last_id()).exit_code, 0);

    for (const std::string& file :
         {dir() + "/prestart.json", dir() + "/createContainer.json", dir() + "/startContainer.json"}) {
        const std::string state = read_file(file);
        EXPECT_NE(state.find("\"big\":\"" + big + "\""), std::string::npos) << file << ": " << state.size() << " bytes";
        EXPECT_EQ(state.back(), '}') << file;
    }
}

TEST_F(Hooks, FailingCreateRuntimeHookFailsCreateAndLeavesNothing) {
    auto bundle = make_bundle();
    bundle.spec.hooks = oci::Hooks{};
    bundle.spec.hooks->createRuntime = {command_hook("/bin/sh", {"sh", "-c", "echo out; echo err >&2; exit 2"})};
    bundle.write();
    auto r = run_berth("create", "--bundle", bundle.path(), last_id());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("error running createRuntime hook #0: error running hook: exit status 2"), std::string::npos) << r.describe();
    EXPECT_NE(run_berth("state", last_id()).exit_code, 0);
}

TEST_F(Hooks, HookTimeoutIsAnError) {
    auto bundle = make_bundle();
    oci::Hook slow = command_hook("/bin/sleep", {"sleep", "30"});
    slow.timeout = 1;
    bundle.spec.hooks = oci::Hooks{};
    bundle.spec.hooks->prestart = {slow};
    bundle.write();
    auto r = run_berth("create", "--bundle", bundle.path(), last_id());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("timeout"), std::string::npos) << r.describe();
}

TEST_F(Hooks, FailingStartContainerHookFailsStart) {
    oci::Hooks hooks;
    hooks.startContainer = {command_hook("/bin/false")};  // resolved in the container: it runs after pivot_root
    auto r = start_with(hooks);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("error running startContainer hook #0"), std::string::npos) << r.describe();
    EXPECT_EQ(wait_for_status(last_id(), "stopped"), "stopped");
    EXPECT_EQ(run_berth("delete", last_id()).exit_code, 0);
}

// runtime-spec 1.3 lifecycle step 9: a failing poststart hook is an error that stops the container
// (runc 1.4+ as well; runc 1.1 only warned). The later hooks do not run.
TEST_F(Hooks, FailingPoststartHookFailsStartAndStopsTheContainer) {
    oci::Hooks hooks;
    hooks.poststart = {command_hook("/bin/false"), logging_hook("poststart")};
    hooks.poststop = {logging_hook("poststop")};
    auto r = start_with(hooks);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("error running poststart hook #0"), std::string::npos) << r.describe();
    EXPECT_EQ(state_of(last_id()).status, "stopped");  // when `start` returns, not some time later
    EXPECT_EQ(run_berth("delete", last_id()).exit_code, 0);
    EXPECT_EQ(read_file(log()).rfind("poststop ", 0), 0u) << read_file(log());
}

TEST_F(Hooks, FailingPoststartHookFailsRunWhichDeletesTheContainer) {
    for (bool detach : {false, true}) {
        auto bundle = make_bundle();
        bundle.spec.hooks = oci::Hooks{};
        bundle.spec.hooks->poststart = {command_hook("/bin/sh", {"sh", "-c", "exit 3"})};
        bundle.spec.hooks->poststop = {logging_hook("poststop")};
        bundle.spec.process->args = {"sleep", "100"};
        bundle.write();
        auto r = detach ? run_berth("run", "--detach", "--bundle", bundle.path(), last_id())
                        : run_berth("run", "--bundle", bundle.path(), last_id());
        EXPECT_NE(r.exit_code, 0) << detach;
        EXPECT_NE(r.err.find("error running poststart hook #0: error running hook: exit status 3"), std::string::npos)
            << r.describe();
        // deleted: poststop ran, nothing is left
        EXPECT_NE(run_berth("state", last_id()).exit_code, 0) << detach;
        EXPECT_NE(read_file(log()).find("poststop "), std::string::npos) << detach;
        ::unlink(log().c_str());
    }
}

}  // namespace
}  // namespace berth::test
