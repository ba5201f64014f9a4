// Rootless pieces that need no user: the `none` cgroup manager and its record,
// the systemd driver's record of the user's manager, the cgroupfs one's
// rootless flag.
#include <gtest/gtest.h>

#include "berth/cgroups/manager.hpp"
#include "berth/container/record.hpp"

namespace berth {
namespace {

std::unique_ptr<cgroups::Manager> none_manager() {
    auto m = cgroups::load_manager({cgroups::Driver::none, {}, {}});
    EXPECT_TRUE(m.ok());
    return m ? std::move(*m) : nullptr;
}

TEST(RootlessNoneManager, CommandsThatNeedACgroupFailWithRuncsErrors) {
    auto m = none_manager();
    ASSERT_TRUE(m);
    EXPECT_FALSE(m->has_cgroup());
    EXPECT_TRUE(m->cgroup().dirs().empty());
    EXPECT_EQ(m->freeze().error().what(), "cannot toggle freezer: cgroups not configured for container");
    EXPECT_EQ(m->thaw().error().what(), "cannot toggle freezer: cgroups not configured for container");
    EXPECT_EQ(m->pids().error().what(), "unable to get all container pids: cgroups not configured for container");
    EXPECT_FALSE(m->signal_all(9).ok());
    oci::Resources memory;
    memory.memory = oci::Memory{};
    memory.memory->limit = 1 << 20;
    EXPECT_EQ(m->update(memory).error().what(), "cannot set memory limit: container could not join or create cgroup");
}

TEST(RootlessNoneManager, NothingToDoIsNoError) {
    auto m = none_manager();
    ASSERT_TRUE(m);
    auto state = m->freezer_state();
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(*state, cgroups::FreezerState::thawed);
    EXPECT_TRUE(m->destroy().ok());
    EXPECT_TRUE(m->place(1).ok());
    EXPECT_TRUE(m->update(oci::Resources{}).ok());
    auto join = m->prepare_join();
    ASSERT_TRUE(join.ok());
    EXPECT_FALSE(join->v2_dir);
    EXPECT_TRUE(join->v1_tasks.empty());
}

TEST(RootlessNoneManager, FirstLimitIgnoresDevicesAndEmptySections) {
    oci::Resources r;
    r.devices.push_back(oci::DeviceCgroup{});
    r.memory = oci::Memory{};
    EXPECT_EQ(cgroups::first_limit(r), nullptr);
    r.pids = oci::Pids{};
    r.pids->limit = 10;
    EXPECT_STREQ(cgroups::first_limit(r), "pids");
    r.unified["memory.high"] = "1M";
    EXPECT_STREQ(cgroups::first_limit(r), "pids");
}

TEST(RootlessNoneManager, RecordedAndReadBack) {
    container::Record r;
    r.id = "x";
    r.cgroup = {cgroups::Driver::none, {}, {}};
    const std::string json = container::write_record(r);
    EXPECT_NE(json.find("\"cgroup_driver\":\"none\""), std::string::npos) << json;
    auto back = container::parse_record(json, "state.json");
    ASSERT_TRUE(back.ok()) << back.error().what();
    EXPECT_EQ(back->cgroup.driver, cgroups::Driver::none);
    EXPECT_EQ(cgroups::driver_from_name("none"), cgroups::Driver::none);
}

// A unit of the user's systemd is stopped through the user's bus by later
// commands: the record says whose manager it is.
TEST(RootlessSystemdManager, UserManagerRecordedAndReadBack) {
    container::Record r;
    r.id = "x";
    for (bool user : {true, false}) {
        r.cgroup = {cgroups::Driver::systemd, "sdvm-c1.scope", "unified 0 /user.slice/x", user};
        const std::string json = container::write_record(r);
        EXPECT_EQ(json.find("\"cgroup_systemd_user\":true") != std::string::npos, user) << json;
        auto back = container::parse_record(json, "state.json");
        ASSERT_TRUE(back.ok()) << back.error().what();
        EXPECT_EQ(back->cgroup.user, user);
        EXPECT_EQ(back->cgroup.unit, "sdvm-c1.scope");
    }
}

// `update` of a rootless cgroupfs container leaves out the device rules the
// kernel refuses, as create did: the record says it was made rootless, and a
// record of an older berth (no such key) is not.
TEST(RootlessFsManager, RootlessRecordedAndReadBack) {
    container::Record r;
    r.id = "x";
    for (bool rootless : {true, false}) {
        r.cgroup = {cgroups::Driver::cgroupfs, {}, "hybrid 1 /deleg/x"};
        r.cgroup.rootless = rootless;
        const std::string json = container::write_record(r);
        EXPECT_EQ(json.find("\"cgroup_rootless\":true") != std::string::npos, rootless) << json;
        auto back = container::parse_record(json, "state.json");
        ASSERT_TRUE(back.ok()) << back.error().what();
        EXPECT_EQ(back->cgroup.rootless, rootless);
        EXPECT_EQ(back->cgroup.driver, cgroups::Driver::cgroupfs);
        EXPECT_EQ(back->cgroup.cgroup, "hybrid 1 /deleg/x");
    }
    auto old = container::parse_record(R"({"id":"x","cgroup_path":"hybrid 1 /deleg/x"})", "state.json");
    ASSERT_TRUE(old.ok()) << old.error().what();
    EXPECT_FALSE(old->cgroup.rootless);
}

}  // namespace
}  // namespace berth
