// `kill ID KILL` of a paused container ends it, as with runc: on cgroup v1 a
// frozen task only acts on SIGKILL once thawed, so the runtime thaws after
// sending it. podman/conmon rely on it (`podman pause c; podman kill c` waited
// for an exit file that never came). Other signals stay pending while paused.
#include "harness/harness.hpp"

namespace berth::test {
namespace {

class KillPaused : public IntegrationTest {
protected:
    // A running, then paused, container whose process ignores SIGTERM.
    std::string start_paused() {
        auto bundle = make_bundle();
        bundle.spec.process->args = {"sh", "-c", "trap '' TERM; while :; do sleep 1; done"};
        bundle.write();
        auto run = run_berth("run", "--detach", "--bundle", bundle.path(), last_id());
        EXPECT_EQ(run.exit_code, 0) << run.describe();
        EXPECT_EQ(state_of(last_id()).status, "running");
        auto pause = run_berth("pause", last_id());
        EXPECT_EQ(pause.exit_code, 0) << pause.describe();
        EXPECT_EQ(state_of(last_id()).status, "paused");
        return last_id();
    }
};

TEST_F(KillPaused, SigkillEndsAPausedContainer) {
    auto id = start_paused();
    auto kill = run_berth("kill", id, "KILL");
    ASSERT_EQ(kill.exit_code, 0) << kill.describe();
    EXPECT_EQ(wait_for_status(id, "stopped"), "stopped");
    auto del = run_berth("delete", id);
    EXPECT_EQ(del.exit_code, 0) << del.describe();
}

TEST_F(KillPaused, OtherSignalsWaitForResume) {
    auto id = start_paused();
    auto term = run_berth("kill", id, "TERM");
    ASSERT_EQ(term.exit_code, 0) << term.describe();
    EXPECT_EQ(state_of(id).status, "paused");
    auto del = run_berth("delete", "--force", id);
    EXPECT_EQ(del.exit_code, 0) << del.describe();
}

}  // namespace
}  // namespace berth::test
