// --trace, BERTH_TRACE=1 and --debug phase lines (include/berth/util/trace.hpp)
// on the real binary: which phases a start goes through, reported by the CLI
// process for itself and for the child it cloned.
#include <fstream>
#include <sstream>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class Trace : public IntegrationTest {
protected:
    void SetUp() override {
        IntegrationTest::SetUp();
        if (!runtime_is_berth()) GTEST_SKIP() << "--trace is berth's";
    }
    // A bundle whose process exits at once.
    Bundle quick_bundle() {
        auto bundle = make_bundle();
        bundle.spec.process->args = {"/bin/probe", "--exit", "0"};
        bundle.write();
        return bundle;
    }
};

// Every phase of a `run`, the CLI's and the container init's, in one summary.
TEST_F(Trace, RunListsThePhasesOfBothProcesses) {
    auto bundle = quick_bundle();
    auto r = run_berth("--trace", "run", "--bundle", bundle.path(), last_id());
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(has(r.err, "trace run: ")) << r.err;
    for (const char* line : {"berth parse ", "berth state_dir ", "berth plan ", "berth cgroup ", "berth clone ",
                             "berth placement ", "berth sync ", "berth record ", "berth start ", "berth await_exec ",
                             "berth wait ", "berth delete ", "berth cgroup_remove ", "child setup ",
                             "child namespaces ", "child mounts ", "child pivot_root ", "child process ",
                             "child privileges ", "child ready ", "child execve "}) {
        EXPECT_TRUE(has(r.err, line)) << line << " missing in:\n" << r.err;
    }
}

TEST_F(Trace, EnvironmentVariableTurnsItOnAndOnlyItsValue0Off) {
    auto bundle = quick_bundle();
    RunOptions on;
    on.extra_env = {"BERTH_TRACE=1"};
    auto r = run_berth_argv({"run", "--bundle", bundle.path(), last_id()}, on);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(has(r.err, "trace run: ")) << r.err;

    RunOptions off;
    off.extra_env = {"BERTH_TRACE=0"};
    auto quiet = run_berth_argv({"run", "--bundle", bundle.path(), last_id()}, off);
    ASSERT_EQ(quiet.exit_code, 0) << quiet.describe();
    EXPECT_FALSE(has(quiet.err, "trace")) << quiet.err;
}

// With --log the summary goes to the log, as JSON lines in --log-format json.
TEST_F(Trace, SummaryGoesToTheLogInItsFormat) {
    auto bundle = quick_bundle();
    std::string log = dir() + "/trace.log";
    auto r = run_berth("--log", log, "--log-format", "json", "--trace", "run", "--bundle", bundle.path(), last_id());
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_FALSE(has(r.err, "trace run")) << r.err;
    std::string text = read_all(log);
    EXPECT_TRUE(has(text, "{\"level\":\"info\",\"msg\":\"trace run: ")) << text;
    EXPECT_TRUE(has(text, "\"msg\":\"child pivot_root ")) << text;
}

// --debug: one line per phase, the child's included (the texts the
// conformance harness maps runc's debug lines to).
TEST_F(Trace, DebugLogsEveryPhaseOfRunAndExec) {
    auto bundle = quick_bundle();
    auto r = run_berth("--debug", "run", "--bundle", bundle.path(), last_id());
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    for (const char* line : {"level=debug msg=\"phase berth/clone at +", "phase child/setup at +",
                             "phase child/process at +", "phase child/ready at +", "phase child/execve at +"}) {
        EXPECT_TRUE(has(r.err, line)) << line << " missing in:\n" << r.err;
    }

    auto sleeper = make_bundle();
    sleeper.spec.process->args = {"/bin/probe", "--sleep", "100"};
    sleeper.write();
    std::string id = last_id();
    auto created = run_berth("run", "-d", "--bundle", sleeper.path(), id);
    ASSERT_EQ(created.exit_code, 0) << created.describe();
    auto exec = run_berth("--debug", "exec", id, "/bin/probe", "--exit", "0");
    EXPECT_EQ(exec.exit_code, 0) << exec.describe();
    for (const char* line : {"phase child/setup at +", "phase child/process at +", "phase child/execve at +"}) {
        EXPECT_TRUE(has(exec.err, line)) << line << " missing in:\n" << exec.err;
    }
    EXPECT_EQ(run_berth("delete", "-f", id).exit_code, 0);
}

}  // namespace
}  // namespace berth::test
