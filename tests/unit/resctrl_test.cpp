// linux.intelRdt on a resctrl tree the test prepares (a plain directory with
// info/L3 and info/MB): the group's path, what create makes and writes, what
// update writes and what delete removes, and runc's errors.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "berth/linux/resctrl.hpp"
#include "berth/util/file.hpp"

namespace {

namespace fs = std::filesystem;
using namespace berth::linux_setup;

class Resctrl : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/berth-resctrl-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        root_ = tmpl;
        fs::create_directories(root_ + "/info/L3");
        fs::create_directories(root_ + "/info/MB");
        touch(root_ + "/info/last_cmd_status", "ok\n");
    }
    void TearDown() override { fs::remove_all(root_); }

    static void touch(const std::string& path, const std::string& text = "") {
        FILE* f = std::fopen(path.c_str(), "w");
        ASSERT_NE(f, nullptr) << path;
        std::fputs(text.c_str(), f);
        std::fclose(f);
    }
    // resctrl makes a group's files itself; a plain directory needs them made.
    void make_group_files(const std::string& group) {
        touch(group + "/schemata");
        touch(group + "/tasks");
    }
    std::string read(const std::string& path) {
        auto text = berth::read_file(path);
        return text ? *text : "<missing>";
    }

    std::string root_;
};

oci::IntelRdt rdt(std::optional<std::string> clos, std::optional<std::string> l3 = std::nullopt,
                  std::optional<std::string> mb = std::nullopt, std::vector<std::string> lines = {}, bool mon = false) {
    oci::IntelRdt r;
    r.closID = std::move(clos);
    r.l3CacheSchema = std::move(l3);
    r.memBwSchema = std::move(mb);
    r.schemata = std::move(lines);
    r.enableMonitoring = mon;
    return r;
}

TEST_F(Resctrl, GroupIsTheClosIdTheRootOrTheContainerId) {
    EXPECT_EQ(plan_intel_rdt(rdt("gold", "L3:0=f"), "ctr", root_)->group, root_ + "/gold");
    EXPECT_EQ(plan_intel_rdt(rdt("/", "L3:0=f"), "ctr", root_)->group, root_);
    auto own = plan_intel_rdt(rdt(std::nullopt), "ctr", root_);
    ASSERT_TRUE(own) << own.error().what();
    EXPECT_EQ(own->group, root_ + "/ctr");
    EXPECT_TRUE(own->removable);
    EXPECT_FALSE(own->must_exist);
    EXPECT_TRUE(plan_intel_rdt(rdt("gold"), "ctr", root_)->must_exist);  // a closID alone names a pre-made group
    EXPECT_EQ(plan_intel_rdt(rdt(std::nullopt, {}, {}, {}, true), "ctr", root_)->mon, root_ + "/ctr/mon_groups/ctr");
}

TEST_F(Resctrl, SchemataAreL3ThenMbThenTheList) {
    EXPECT_EQ(schemata_text("L3:0=7f0", "MB:0=20", {"L2:0=f", "", "MB:1=70"}), "L3:0=7f0\nMB:0=20\nL2:0=f\nMB:1=70\n");
    EXPECT_EQ(schemata_text(std::nullopt, std::nullopt, {}), "");
}

TEST_F(Resctrl, RuncsErrorsUnderTheJsonPath) {
    auto none = plan_intel_rdt(rdt("gold"), "ctr", std::nullopt);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().what(), "config.json: linux.intelRdt: intelRdt is specified in config, but Intel RDT is not enabled");
    for (const char* bad : {".", "..", "a/b"}) {
        auto r = plan_intel_rdt(rdt(bad), "ctr", root_);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().what(), std::string("config.json: linux.intelRdt.closID: invalid intelRdt.ClosID \"") + bad + "\"");
    }
    fs::remove(root_ + "/info/MB");
    auto mb = plan_intel_rdt(rdt(std::nullopt, std::nullopt, "MB:0=20"), "ctr", root_);
    ASSERT_FALSE(mb);
    EXPECT_EQ(mb.error().what(),
              "config.json: linux.intelRdt.memBwSchema: intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled");
    fs::create_directories(root_ + "/info/MB");
    EXPECT_FALSE(plan_intel_rdt(rdt(std::nullopt, std::nullopt, "L3:0=f"), "ctr", root_));  // memBwSchema: "MB:" first
    EXPECT_FALSE(plan_intel_rdt(rdt(std::nullopt, std::nullopt, std::nullopt, {"L3:0=f\nMB:0=1"}), "ctr", root_));
}

TEST_F(Resctrl, CreateMakesTheGroupAndDeleteRemovesIt) {
    auto plan = plan_intel_rdt(rdt(std::nullopt), "ctr", root_);
    ASSERT_TRUE(plan) << plan.error().what();
    auto made = apply_intel_rdt(*plan);
    ASSERT_TRUE(made) << made.error().what();
    EXPECT_TRUE(fs::is_directory(root_ + "/ctr"));
    EXPECT_EQ(made->remove, root_ + "/ctr") << "made without a closID: ours to remove";
    ASSERT_TRUE(remove_rdt_group(*made));
    EXPECT_FALSE(fs::exists(root_ + "/ctr"));
}

TEST_F(Resctrl, AFailedCreateLeavesNoGroupAndSaysWhy) {
    // A plain directory has no schemata file (resctrl makes it in every group): the write fails.
    auto plan = plan_intel_rdt(rdt(std::nullopt, "L3:0=f"), "ctr", root_);
    ASSERT_TRUE(plan) << plan.error().what();
    auto failed = apply_intel_rdt(*plan);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().what().rfind("config.json: linux.intelRdt: intelrdt: unable to write schemata: write \"", 0), 0u)
        << failed.error().what();
    EXPECT_NE(failed.error().what().find(", last_cmd_status: ok"), std::string::npos) << failed.error().what();
    EXPECT_FALSE(fs::exists(root_ + "/ctr"));
}

TEST_F(Resctrl, ApplyWritesSchemataIntoAnExistingGroupAndKeepsIt) {
    // A closID group made beforehand (as an administrator would): written, then kept on delete.
    fs::create_directories(root_ + "/gold/mon_groups");
    make_group_files(root_ + "/gold");
    auto plan = plan_intel_rdt(rdt("gold", "L3:0=f", std::nullopt, {"MB:0=30"}, true), "ctr", root_);
    ASSERT_TRUE(plan) << plan.error().what();
    auto made = apply_intel_rdt(*plan);
    ASSERT_TRUE(made) << made.error().what();
    EXPECT_EQ(read(root_ + "/gold/schemata"), "L3:0=f\nMB:0=30\n");
    EXPECT_EQ(made->group, root_ + "/gold");
    EXPECT_EQ(made->mon, root_ + "/gold/mon_groups/ctr");
    EXPECT_EQ(made->remove, made->mon) << "a closID group is not ours: only its MON group goes";
    touch(made->group + "/tasks");
    ASSERT_TRUE(write_rdt_task(made->group, 4242));
    EXPECT_EQ(read(made->group + "/tasks"), "4242");
    ASSERT_TRUE(remove_rdt_group(*made));
    EXPECT_TRUE(fs::exists(root_ + "/gold"));
    EXPECT_FALSE(fs::exists(made->mon));
    EXPECT_TRUE(remove_rdt_group(*made)) << "gone already is fine";
}

TEST_F(Resctrl, AClosIdAloneNeedsItsGroup) {
    auto plan = plan_intel_rdt(rdt("silver"), "ctr", root_);
    ASSERT_TRUE(plan);
    auto r = apply_intel_rdt(*plan);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().what().find("linux.intelRdt.closID: clos dir not accessible"), std::string::npos) << r.error().what();
    EXPECT_FALSE(fs::exists(root_ + "/silver"));
}

TEST_F(Resctrl, UpdateRewritesTheSchemataWithTheNewLines) {
    fs::create_directories(root_ + "/ctr");
    make_group_files(root_ + "/ctr");
    auto saved = rdt(std::nullopt, "L3:0=f", "MB:0=50", {"L2:0=3"});
    ASSERT_TRUE(update_intel_rdt(root_, saved, root_ + "/ctr", "", "MB:0=20"));
    EXPECT_EQ(read(root_ + "/ctr/schemata"), "L3:0=f\nMB:0=20\nL2:0=3\n");
    EXPECT_EQ(update_intel_rdt(root_, std::nullopt, "", "L3:0=1", "").error().what(),
              "updating a non-existent Intel RDT configuration is not supported");
    EXPECT_EQ(update_intel_rdt(std::nullopt, saved, root_ + "/ctr", "L3:0=1", "").error().what(),
              "Intel RDT/CAT: l3 cache schema is not enabled");
    EXPECT_EQ(update_intel_rdt(std::nullopt, saved, root_ + "/ctr", "", "MB:0=1").error().what(),
              "Intel RDT/MBA: memory bandwidth schema is not enabled");
}

}  // namespace
