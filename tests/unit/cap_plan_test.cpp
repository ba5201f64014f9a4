// Capability name mapping and planning (pure logic: the host is injected).
#include <gtest/gtest.h>

#include "berth/linux/capabilities.hpp"

namespace bl = berth::linux_setup;

namespace {

constexpr bl::CapabilityMask bit(int cap) { return bl::CapabilityMask{1} << cap; }

// A host like this one: every capability up to 40 except CAP_SYS_RESOURCE (24).
bl::HostCapabilities host_without_sys_resource() {
    return bl::HostCapabilities{((bl::CapabilityMask{1} << 41) - 1) & ~bit(24), 40};
}

}  // namespace

TEST(CapabilityNames, MapsEveryKernelName) {
    EXPECT_EQ(bl::capability_number("CAP_CHOWN"), 0);
    EXPECT_EQ(bl::capability_number("CAP_KILL"), 5);
    EXPECT_EQ(bl::capability_number("CAP_NET_BIND_SERVICE"), 10);
    EXPECT_EQ(bl::capability_number("CAP_SYS_ADMIN"), 21);
    EXPECT_EQ(bl::capability_number("CAP_SYS_RESOURCE"), 24);
    EXPECT_EQ(bl::capability_number("CAP_AUDIT_WRITE"), 29);
    EXPECT_EQ(bl::capability_number("CAP_BPF"), 39);
    EXPECT_EQ(bl::capability_number("CAP_CHECKPOINT_RESTORE"), 40);
    EXPECT_FALSE(bl::capability_number("cap_chown"));
    EXPECT_FALSE(bl::capability_number("CHOWN"));
    EXPECT_FALSE(bl::capability_number("CAP_FOO"));
}

TEST(CapabilityNames, RoundTrip) {
    const auto names = bl::known_capability_names();
    ASSERT_EQ(names.size(), 41u);
    for (size_t i = 0; i < names.size(); ++i) {
        EXPECT_EQ(bl::capability_number(names[i]), static_cast<int>(i));
        EXPECT_EQ(std::string_view(bl::capability_name(static_cast<int>(i))), names[i]);
    }
    EXPECT_EQ(bl::capability_name(41), nullptr);
    EXPECT_EQ(bl::capability_name(-1), nullptr);
}

TEST(CapabilityPlan, MapsAllSets) {
    std::vector<std::string> warnings;
    oci::Capabilities caps;
    caps.bounding = {{"CAP_KILL", "CAP_CHOWN", "CAP_NET_BIND_SERVICE"}};
    caps.effective = {{"CAP_KILL"}};
    caps.permitted = {{"CAP_KILL", "CAP_CHOWN"}};
    caps.inheritable = {{"CAP_CHOWN"}};
    caps.ambient = {{"CAP_CHOWN"}};
    auto plan = bl::plan_capabilities(caps, host_without_sys_resource(), warnings);
    ASSERT_TRUE(plan) << plan.error().what();
    EXPECT_EQ(plan->bounding, bit(0) | bit(5) | bit(10));
    EXPECT_EQ(plan->effective, bit(5));
    EXPECT_EQ(plan->permitted, bit(0) | bit(5));
    EXPECT_EQ(plan->inheritable, bit(0));
    EXPECT_EQ(plan->ambient, bit(0));
    EXPECT_EQ(plan->last_cap, 40);
    EXPECT_TRUE(warnings.empty());
}

TEST(CapabilityPlan, AbsentSetsAreEmpty) {
    std::vector<std::string> warnings;
    oci::Capabilities caps;
    caps.bounding = {{"CAP_KILL"}};
    auto plan = bl::plan_capabilities(caps, host_without_sys_resource(), warnings);
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->effective | plan->permitted | plan->inheritable | plan->ambient, 0u);
}

// The runtime spec: a capability that cannot be granted is a warning, never
// a failure; the warning lists them sorted, in runc's words.
TEST(CapabilityPlan, WhatCannotBeGrantedIsDroppedWithOneWarning) {
    std::vector<std::string> warnings;
    oci::Capabilities caps;
    caps.bounding = {{"CAP_KILL", "CAP_FOO", "CAP_SYS_RESOURCE"}};
    caps.permitted = {{"CAP_KILL", "CAP_CHECKPOINT_RESTORE"}};
    caps.effective = {{"CAP_KILL", "CAP_BAR"}};
    auto plan = bl::plan_capabilities(caps, bl::HostCapabilities{((bl::CapabilityMask{1} << 40) - 1) & ~bit(24), 39},
                                      warnings);
    ASSERT_TRUE(plan) << plan.error().what();
    EXPECT_EQ(plan->bounding, bit(5));
    EXPECT_EQ(plan->permitted, bit(5));
    EXPECT_EQ(plan->effective, bit(5));
    EXPECT_EQ(warnings, (std::vector<std::string>{
                            "ignoring unknown or unavailable capabilities: [CAP_BAR CAP_CHECKPOINT_RESTORE CAP_FOO "
                            "CAP_SYS_RESOURCE]"}));
}

TEST(CapabilityPlan, EffectiveMustBeInPermitted) {
    std::vector<std::string> warnings;
    oci::Capabilities caps;
    caps.effective = {{"CAP_KILL", "CAP_SYS_ADMIN"}};
    caps.permitted = {{"CAP_KILL"}};
    auto plan = bl::plan_capabilities(caps, host_without_sys_resource(), warnings);
    ASSERT_FALSE(plan);
    EXPECT_NE(plan.error().what().find("CAP_SYS_ADMIN is not in process.capabilities.permitted"), std::string::npos)
        << plan.error().what();
}

// `runc spec` lists ambient caps without inheritable ones: runc runs it,
// leaving out what the kernel would refuse to raise; so do we.
TEST(CapabilityPlan, AmbientLimitedToPermittedAndInheritable) {
    std::vector<std::string> warnings;
    oci::Capabilities caps;
    caps.permitted = {{"CAP_KILL", "CAP_CHOWN", "CAP_AUDIT_WRITE"}};
    caps.inheritable = {{"CAP_KILL", "CAP_AUDIT_WRITE", "CAP_NET_RAW"}};
    caps.ambient = {{"CAP_KILL", "CAP_CHOWN", "CAP_NET_RAW"}};
    auto plan = bl::plan_capabilities(caps, host_without_sys_resource(), warnings);
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->ambient, bit(5));
    EXPECT_EQ(warnings, (std::vector<std::string>{"can't raise ambient capability CAP_CHOWN: operation not permitted",
                                                  "can't raise ambient capability CAP_NET_RAW: operation not permitted"}));
}

// The real host: whatever berth itself lacks is left out with a warning.
TEST(CapabilityPlan, RealHostLeavesOutWhatBerthLacks) {
    std::vector<std::string> warnings;
    auto host = bl::host_capabilities();
    ASSERT_TRUE(host) << host.error().what();
    ASSERT_GE(host->last_cap, 36);
    for (int cap = 0; cap <= host->last_cap && bl::capability_name(cap); ++cap) {
        oci::Capabilities caps;
        caps.bounding = {{bl::capability_name(cap)}};
        warnings.clear();
        auto plan = bl::plan_capabilities(caps, *host, warnings);
        ASSERT_TRUE(plan) << plan.error().what();
        const bool grantable = (host->grantable & bit(cap)) != 0;
        EXPECT_EQ(plan->bounding, grantable ? bit(cap) : 0) << bl::capability_name(cap);
        EXPECT_EQ(warnings.empty(), grantable) << bl::capability_name(cap);
    }
}
