// LSM label planning with the host's LSM state injected: labels for an LSM
// that is not enabled are refused (as runc 1.1, with runc's selinux text),
// enabled ones become the exact procfs attribute write.
#include <gtest/gtest.h>
#include <unistd.h>

#include "berth/linux/lsm.hpp"

namespace bl = berth::linux_setup;

namespace {

oci::Spec spec_with(std::optional<std::string> apparmor, std::optional<std::string> selinux,
                    std::optional<std::string> mount_label = std::nullopt) {
    oci::Spec spec;
    spec.process = oci::Process{};
    spec.process->apparmorProfile = std::move(apparmor);
    spec.process->selinuxLabel = std::move(selinux);
    spec.linux = oci::Linux{};
    spec.linux->mountLabel = std::move(mount_label);
    return spec;
}

constexpr bl::LsmStatus kNone{false, false};
constexpr bl::LsmStatus kAppArmor{true, false};
constexpr bl::LsmStatus kSelinux{false, true};

}  // namespace

TEST(LsmPlan, NoLabelsNothingToDo) {
    auto plan = bl::plan_lsm(spec_with(std::nullopt, std::nullopt), kNone);
    ASSERT_TRUE(plan);
    EXPECT_TRUE(plan->exec_attr.empty());
    EXPECT_TRUE(plan->mount_label.empty());
    // Empty strings mean "no label", as in runc.
    plan = bl::plan_lsm(spec_with("", "", ""), kNone);
    ASSERT_TRUE(plan);
    EXPECT_TRUE(plan->exec_attr.empty());
}

TEST(LsmPlan, LabelsWithoutTheirLsmAreRefused) {
    auto plan = bl::plan_lsm(spec_with(std::nullopt, "system_u:system_r:container_t:s0"), kAppArmor);
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().what(), "selinux label is specified in config, but selinux is disabled or not supported");
    plan = bl::plan_lsm(spec_with("docker-default", std::nullopt), kSelinux);
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().what(),
              "config.json: process.apparmorProfile \"docker-default\" is specified in config, but apparmor is disabled or not supported");
    plan = bl::plan_lsm(spec_with(std::nullopt, std::nullopt, "system_u:object_r:container_file_t:s0"), kNone);
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().what(),
              "config.json: linux.mountLabel is specified in config, but selinux is disabled or not supported");
}

TEST(LsmPlan, AppArmorProfileBecomesChangeOnExec) {
    auto plan = bl::plan_lsm(spec_with("docker-default", std::nullopt), kAppArmor);
    ASSERT_TRUE(plan) << plan.error().what();
    EXPECT_TRUE(plan->exec_attr == "attr/apparmor/exec" || plan->exec_attr == "attr/exec") << plan->exec_attr;
    EXPECT_EQ(plan->exec_label, "exec docker-default");
}

TEST(LsmPlan, SelinuxLabels) {
    auto plan = bl::plan_lsm(spec_with(std::nullopt, "system_u:system_r:container_t:s0",
                                       "system_u:object_r:container_file_t:s0"),
                             kSelinux);
    ASSERT_TRUE(plan) << plan.error().what();
    EXPECT_EQ(plan->exec_attr, "attr/exec");
    EXPECT_EQ(plan->exec_label, "system_u:system_r:container_t:s0");
    EXPECT_EQ(plan->mount_label, "system_u:object_r:container_file_t:s0");
}

TEST(LsmPlan, OnlyOneLsmCanLabelTheProcess) {
    auto plan = bl::plan_lsm(spec_with("docker-default", "system_u:system_r:container_t:s0"), bl::LsmStatus{true, true});
    ASSERT_FALSE(plan);
    EXPECT_NE(plan.error().what().find("only one LSM"), std::string::npos);
}

TEST(LsmPlan, ThisHostDetection) {
    // Whatever the host runs, detection agrees with the kernel's own files.
    const bl::LsmStatus host = bl::detect_lsm();
    EXPECT_EQ(host.selinux, access("/sys/fs/selinux/enforce", F_OK) == 0);
}
