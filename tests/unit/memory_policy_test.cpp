// linux.memoryPolicy as the parent plans it for set_mempolicy(2): names to
// numbers, the node mask, and which modes need or forbid nodes (runc's rules
// and messages, with the JSON path).
#include <gtest/gtest.h>

#include "berth/process/attributes.hpp"

namespace {

using berth::process::plan_memory_policy;

oci::MemoryPolicy policy(std::string mode, std::optional<std::string> nodes = std::nullopt,
                         std::vector<std::string> flags = {}) {
    return oci::MemoryPolicy{std::move(mode), std::move(nodes), std::move(flags)};
}

TEST(MemoryPolicy, EveryModeHasItsKernelNumber) {
    const std::pair<const char*, int> modes[] = {{"MPOL_PREFERRED", 1},      {"MPOL_BIND", 2},
                                                 {"MPOL_INTERLEAVE", 3},     {"MPOL_PREFERRED_MANY", 5},
                                                 {"MPOL_WEIGHTED_INTERLEAVE", 6}};
    for (auto [name, value] : modes) {
        auto p = plan_memory_policy(policy(name, "0"));
        ASSERT_TRUE(p) << name << ": " << p.error().what();
        EXPECT_EQ(p->mode, value) << name;
        EXPECT_TRUE(p->has_nodes);
    }
    for (auto [name, value] : {std::pair{"MPOL_DEFAULT", 0}, std::pair{"MPOL_LOCAL", 4}}) {
        auto p = plan_memory_policy(policy(name));
        ASSERT_TRUE(p) << name << ": " << p.error().what();
        EXPECT_EQ(p->mode, value) << name;
        EXPECT_FALSE(p->has_nodes);
    }
}

TEST(MemoryPolicy, FlagsAreOredIntoTheMode) {
    auto p = plan_memory_policy(policy("MPOL_BIND", "0", {"MPOL_F_STATIC_NODES", "MPOL_F_NUMA_BALANCING"}));
    ASSERT_TRUE(p) << p.error().what();
    EXPECT_EQ(p->mode, 2 | (1 << 15) | (1 << 13));
    p = plan_memory_policy(policy("MPOL_PREFERRED", "0", {"MPOL_F_RELATIVE_NODES"}));
    ASSERT_TRUE(p) << p.error().what();
    EXPECT_EQ(p->mode, 1 | (1 << 14));
}

TEST(MemoryPolicy, NodeListsTakeRanges) {
    auto p = plan_memory_policy(policy("MPOL_INTERLEAVE", "0-3,5"));
    ASSERT_TRUE(p) << p.error().what();
    EXPECT_EQ(CPU_COUNT(&p->nodes), 5);
    EXPECT_TRUE(CPU_ISSET(5, &p->nodes));
    EXPECT_FALSE(CPU_ISSET(4, &p->nodes));
    // MPOL_PREFERRED takes no node (local allocation) or some
    EXPECT_TRUE(plan_memory_policy(policy("MPOL_PREFERRED")));
    EXPECT_TRUE(plan_memory_policy(policy("MPOL_PREFERRED", "")));  // empty is none, as runc reads it
}

TEST(MemoryPolicy, NodeCountRulesAreRuncs) {
    auto p = plan_memory_policy(policy("MPOL_DEFAULT", "0-7"));
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().what(), "config.json: linux.memoryPolicy.nodes: memory policy mode requires 0 nodes but got 8");
    EXPECT_FALSE(plan_memory_policy(policy("MPOL_LOCAL", "1")));
    for (const char* mode : {"MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE"}) {
        p = plan_memory_policy(policy(mode));
        ASSERT_FALSE(p) << mode;
        EXPECT_EQ(p.error().what(), "config.json: linux.memoryPolicy.nodes: memory policy mode requires at least one node but got 0");
    }
}

TEST(MemoryPolicy, BadNamesAndNodesNameTheirPath) {
    auto p = plan_memory_policy(policy("INTERLEAVE", "0"));
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().what(), "config.json: linux.memoryPolicy.mode: unknown value \"INTERLEAVE\"");
    p = plan_memory_policy(policy("MPOL_BIND", "0", {"MPOL_F_STATIC_NODES", "badflag"}));
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().what(), "config.json: linux.memoryPolicy.flags[1]: unknown value \"badflag\"");
    for (const char* nodes : {"0-9876543210", "3-1", "x", "1024"}) {
        p = plan_memory_policy(policy("MPOL_BIND", nodes));
        ASSERT_FALSE(p) << nodes;
        EXPECT_EQ(p.error().what(), std::string("config.json: linux.memoryPolicy.nodes: invalid memory policy nodes \"") + nodes + "\"");
    }
}

TEST(MemoryPolicy, ProcessAttributesCarryIt) {
    oci::Linux linux;
    linux.memoryPolicy = policy("MPOL_BIND", "0");
    auto a = berth::process::plan_attributes(oci::Process{}, &linux, berth::process::ProcessRole::init);
    ASSERT_TRUE(a) << a.error().what();
    EXPECT_TRUE(a->memory_policy.set);
    EXPECT_FALSE(berth::process::plan_attributes(oci::Process{}, nullptr, berth::process::ProcessRole::init)->memory_policy.set);
}

}  // namespace
