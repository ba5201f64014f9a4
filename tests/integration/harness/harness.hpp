// The integration-test fixture: every test gets its own temporary directory,
// its own runtime --root, unique container ids, busybox bundles with the probe,
// a way to run the runtime, and a leak check afterwards.
//
//   #include "harness/harness.hpp"
//   using berth::test::IntegrationTest;
//
//   TEST_F(IntegrationTest, HostnameIsSet) {
//       auto bundle = make_bundle();
//       bundle.spec.hostname = "box";
//       auto report = run_probe(bundle);          // `run` the probe, parse its JSON
//       EXPECT_EQ(report.hostname(), "box");
//   }
//
//   TEST_F(IntegrationTest, CreateStartDelete) {
//       auto bundle = make_bundle();             // args: the probe; id: last_id()
//       bundle.write();
//       auto created = run_berth("create", "--bundle", bundle.path(), last_id());
//       ASSERT_EQ(created.exit_code, 0) << created.describe();
//       EXPECT_EQ(state_of(last_id()).status, "created");
//       ASSERT_EQ(run_berth("start", last_id()).exit_code, 0);
//       EXPECT_EQ(wait_for_status(last_id(), "stopped"), "stopped");
//       // The container inherited create's stdout: its report is in that file.
//       auto report = ProbeReport::parse(read_file(created.out_path));
//       EXPECT_EQ(run_berth("delete", last_id()).exit_code, 0);
//   }
//
// The runtime is the berth binary of this build, or $BERTH_TEST_RUNTIME (e.g.
// "runc") to check the tests themselves against a reference runtime.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "harness/bundle.hpp"
#include "harness/leak_check.hpp"
#include "harness/probe_report.hpp"
#include "harness/run.hpp"

namespace berth::test {

// The runtime under test: $BERTH_TEST_RUNTIME or this build's berth.
const std::string& runtime();
// False when $BERTH_TEST_RUNTIME points at another runtime; guard assertions on
// berth's own error texts and extensions (`check`) with it.
bool runtime_is_berth();

// `state ID` as the runtime reported it.
struct ContainerState {
    std::string status;  // "created", "running", ...; empty when `state` failed
    int pid = 0;
    std::string bundle;
    RunResult result;  // the `state` command itself (its JSON in result.out)
};

class IntegrationTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    // This test's scratch directory (removed afterwards) and the runtime's --root in it.
    const std::string& dir() const { return dir_; }
    const std::string& state_root() const { return state_root_; }
    // The cgroup (relative to each hierarchy) that bundles put containers under.
    const std::string& cgroup_parent() const { return cgroup_parent_; }

    // A container id unique to this test ("it-<pid>-<n>").
    std::string new_id();
    // A fresh bundle in dir(); its cgroupsPath is cgroup_parent()/<id> for the
    // id passed here (default: a new one, see last_id()).
    Bundle make_bundle(const std::string& id = "");
    // The id make_bundle() picked when none was given.
    const std::string& last_id() const { return last_id_; }
    // A user namespace mapping 0 -> 100000 (runc's tests' mapping); the
    // namespace's root must reach the bundle, and gets the host's /sys (a
    // fresh sysfs needs a network namespace the user namespace owns).
    void use_user_namespace(Bundle& bundle);

    // `runtime --root state_root() args...`
    template <typename... Args>
    RunResult run_berth(Args&&... args) {
        return run_berth_argv({std::string(std::forward<Args>(args))...});
    }
    RunResult run_berth_argv(const std::vector<std::string>& args, const RunOptions& options = {});

    // Runs and parses `state ID`; the container's pid joins the leak check
    // (it must be gone after the test).
    ContainerState state_of(const std::string& id);
    // Polls `state ID` until its status is `want` (or `state` fails when want
    // is ""); returns the last status seen. A hang guard, not a timing check.
    std::string wait_for_status(const std::string& id, const std::string& want,
                                std::chrono::milliseconds timeout = std::chrono::seconds(30));

    // Writes the bundle's config, runs it in the foreground (`run --bundle`),
    // expects exit 0 and parses the probe's report from its stdout. The bundle's
    // process.args must run the probe (the default does).
    ProbeReport run_probe(Bundle& bundle, const std::string& id = "");

private:
    bool active_ = false;
    std::string dir_;
    std::string state_root_;
    std::string cgroup_parent_;
    std::string last_id_;
    int next_id_ = 0;
    int next_capture_ = 0;
    int next_bundle_ = 0;
    std::unique_ptr<LeakCheck> leak_check_;
};

}  // namespace berth::test
