// --preserve-fds N and systemd's LISTEN_FDS: the caller's fds 3..3+N-1 reach
// the container's process, nothing else of the caller's or berth's does.
// The harness runs the runtime with stdio only, so these tests start it
// through a shell that opens the extra fds first.
#include <fstream>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

class PreservedFdsTest : public IntegrationTest {
protected:
    void TearDown() override {
        for (const auto& id : started_) run_berth("delete", "--force", id);
        IntegrationTest::TearDown();
    }

    // A file in the test dir for the shell to open.
    std::string file(const std::string& name) {
        std::string path = dir() + "/" + name;
        std::ofstream(path) << name;
        return path;
    }

    // `sh -c SCRIPT sh RUNTIME --root ROOT ARGS...`: the script sets up fds
    // and ends with `exec "$@"` (or its own variant of it).
    RunResult run_through_shell(const std::string& script, const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"/bin/sh", "-c", script, "sh", runtime(), "--root", state_root()};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, dir() + "/shell-" + std::to_string(shells_++));
    }

    // The fds above stdio the probe saw, except its own /proc/self/fd listing.
    static std::vector<std::pair<int, std::string>> extra_fds(const ProbeReport& report) {
        std::vector<std::pair<int, std::string>> fds;
        for (const auto& [fd, target] : report.fds()) {
            if (fd > 2 && target.find("/proc/") == std::string::npos) fds.emplace_back(fd, target);
        }
        return fds;
    }

    std::vector<std::string> started_;

private:
    int shells_ = 0;
};

TEST_F(PreservedFdsTest, RunPassesExactlyThePreservedFds) {
    auto bundle = make_bundle();
    bundle.write();
    const std::string a = file("a");
    // fd 4 is the read end of a pipe, fd 3 a file.
    auto r = run_through_shell("printf x | exec 3<'" + a + "' 4<&0 0</dev/null \"$@\"",
                               {"run", "--preserve-fds", "2", "--bundle", bundle.path(), last_id()});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto fds = extra_fds(ProbeReport::parse(r.out));
    ASSERT_EQ(fds.size(), 2u) << r.out;
    EXPECT_EQ(fds[0].first, 3);
    EXPECT_EQ(fds[0].second, a);
    EXPECT_EQ(fds[1].first, 4);
    EXPECT_EQ(fds[1].second.rfind("pipe:", 0), 0u) << fds[1].second;
}

TEST_F(PreservedFdsTest, CreateKeepsThemUntilStart) {
    auto bundle = make_bundle();
    bundle.write();
    const std::string a = file("a");
    // An fd above the preserved range (5) must not reach the container.
    auto created = run_through_shell("exec 3<'" + a + "' 5<'" + a + "' \"$@\"",
                                     {"create", "--preserve-fds", "1", "--bundle", bundle.path(), last_id()});
    ASSERT_EQ(created.exit_code, 0) << created.describe();
    started_.push_back(last_id());
    ASSERT_EQ(run_berth("start", last_id()).exit_code, 0);
    ASSERT_EQ(wait_for_status(last_id(), "stopped"), "stopped");
    // The init inherited create's stdout: its report is in that file.
    auto fds = extra_fds(ProbeReport::parse(read_file(created.out_path)));
    ASSERT_EQ(fds.size(), 1u);
    EXPECT_EQ(fds[0].first, 3);
    EXPECT_EQ(fds[0].second, a);
}

// systemd socket activation: LISTEN_FDS fds come first, then --preserve-fds;
// the process gets LISTEN_FDS and LISTEN_PID=1 (runc's values: it is the
// init of its pid namespace).
TEST_F(PreservedFdsTest, ListenFdsArePassedAndAnnounced) {
    auto bundle = make_bundle();
    bundle.write();
    const std::string a = file("a"), b = file("b"), c = file("c");
    auto r = run_through_shell("exec 3<'" + a + "' 4<'" + b + "' 5<'" + c + "'; LISTEN_FDS=2 LISTEN_PID=$$ exec \"$@\"",
                               {"run", "--preserve-fds", "1", "--bundle", bundle.path(), last_id()});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto report = ProbeReport::parse(r.out);
    auto fds = extra_fds(report);
    ASSERT_EQ(fds.size(), 3u) << r.out;
    EXPECT_EQ(fds[0], (std::pair<int, std::string>{3, a}));
    EXPECT_EQ(fds[1], (std::pair<int, std::string>{4, b}));
    EXPECT_EQ(fds[2], (std::pair<int, std::string>{5, c}));
    EXPECT_EQ(report.env_value("LISTEN_FDS"), "2");
    EXPECT_EQ(report.env_value("LISTEN_PID"), "1");
}

// LISTEN_FDS meant for another process (LISTEN_PID is not ours) is ignored.
TEST_F(PreservedFdsTest, ListenFdsForAnotherPidAreIgnored) {
    auto bundle = make_bundle();
    bundle.write();
    const std::string a = file("a");
    auto r = run_through_shell("exec 3<'" + a + "'; LISTEN_FDS=1 LISTEN_PID=1 exec \"$@\"",
                               {"run", "--bundle", bundle.path(), last_id()});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto report = ProbeReport::parse(r.out);
    EXPECT_TRUE(extra_fds(report).empty()) << r.out;
    EXPECT_EQ(report.env_value("LISTEN_FDS"), std::nullopt);
}

// A preserved fd the caller did not open is refused: berth's own fds would
// take its number and leak into the container (runc 1.1.5 passes its own
// fds there instead).
TEST_F(PreservedFdsTest, AMissingPreservedFdIsRefused) {
    if (!runtime_is_berth()) GTEST_SKIP() << "runc 1.1.5 leaks its own fds here";
    auto bundle = make_bundle();
    bundle.write();
    auto r = run_berth("run", "--preserve-fds", "2", "--bundle", bundle.path(), last_id());
    EXPECT_NE(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.err.find("unable to stat preserved-fd 0 (of 2): stat /proc/self/fd/3: no such file or directory"),
              std::string::npos)
        << r.describe();
    // Same for exec, with exec's prefix and exit status.
    bundle.spec.process->args = {"/bin/sleep", "600"};
    bundle.write();
    std::string id = new_id();
    ASSERT_EQ(run_berth("run", "--detach", "--bundle", bundle.path(), id).exit_code, 0);
    started_.push_back(id);
    auto exec = run_berth("exec", "--preserve-fds", "1", id, "/bin/probe");
    EXPECT_EQ(exec.exit_code, 255) << exec.describe();
    EXPECT_NE(exec.err.find("unable to stat preserved-fd 0 (of 1)"), std::string::npos) << exec.describe();
}

TEST_F(PreservedFdsTest, ExecPassesExactlyThePreservedFds) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"/bin/sleep", "600"};
    bundle.write();
    ASSERT_EQ(run_berth("run", "--detach", "--bundle", bundle.path(), last_id()).exit_code, 0);
    started_.push_back(last_id());
    const std::string a = file("a");
    auto r = run_through_shell("exec 3<'" + a + "' 4<'" + a + "' \"$@\"",
                               {"exec", "--preserve-fds", "1", last_id(), "/bin/probe"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto fds = extra_fds(ProbeReport::parse(r.out));
    ASSERT_EQ(fds.size(), 1u) << r.out;
    EXPECT_EQ(fds[0], (std::pair<int, std::string>{3, a}));
}

}  // namespace
}  // namespace berth::test
