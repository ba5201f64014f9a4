#include <gtest/gtest.h>

#include "berth/cgroups/convert.hpp"

using namespace berth::cgroups;

TEST(CgroupConvert, SharesToWeightMatchesRunc) {
    EXPECT_EQ(shares_to_weight(0), 0u);
    EXPECT_EQ(shares_to_weight(2), 1u);
    EXPECT_EQ(shares_to_weight(1024), 39u);
    EXPECT_EQ(shares_to_weight(262144), 10000u);
    EXPECT_EQ(shares_to_weight(1), 1u);        // clamped to the v1 minimum
    EXPECT_EQ(shares_to_weight(1u << 30), 10000u);
}

TEST(CgroupConvert, BlkioWeightToIoWeight) {
    EXPECT_EQ(blkio_to_io_weight(0), 0u);
    EXPECT_EQ(blkio_to_io_weight(10), 1u);
    EXPECT_EQ(blkio_to_io_weight(500), 4950u);
    EXPECT_EQ(blkio_to_io_weight(1000), 10000u);
}

TEST(CgroupConvert, SwapIsMemoryPlusSwapOnV1AndSwapOnlyOnV2) {
    EXPECT_EQ(*swap_to_v2(0, 0), 0);
    EXPECT_EQ(*swap_to_v2(0, -1), -1);
    EXPECT_EQ(*swap_to_v2(-1, 1 << 20), -1);
    EXPECT_EQ(*swap_to_v2(3 << 20, 1 << 20), 2 << 20);
    EXPECT_EQ(*swap_to_v2(1 << 20, 1 << 20), 0);
    EXPECT_FALSE(swap_to_v2(1 << 20, 2 << 20).ok());  // below the memory limit
    EXPECT_FALSE(swap_to_v2(1 << 20, 0).ok());        // swap without memory
}

TEST(CgroupConvert, CpuMaxKeepsTheHalfNotGiven) {
    EXPECT_EQ(cpu_max(50000, std::nullopt, "max 100000"), "50000 100000");
    EXPECT_EQ(cpu_max(std::nullopt, 20000, "50000 100000"), "50000 20000");
    EXPECT_EQ(cpu_max(-1, 100000, "50000 100000"), "max 100000");
    EXPECT_EQ(cpu_max(10000, 50000, ""), "10000 50000");
}

TEST(CgroupConvert, V2Limit) {
    EXPECT_EQ(v2_limit(-1), "max");
    EXPECT_EQ(v2_limit(42), "42");
}

TEST(CgroupConvert, PidsLimitZeroIsALimit) {
    // runtime-spec 1.3: 0 is a limit; runc 1.4+ writes it as 1 (systemd's TasksMax has no 0)
    EXPECT_EQ(pids_max(0), "1");
    EXPECT_EQ(pids_max(-1), "max");
    EXPECT_EQ(pids_max(32771), "32771");
}

TEST(CgroupConvert, DeviceRules) {
    oci::DeviceCgroup all;
    all.allow = false;
    all.access = "rwm";
    EXPECT_EQ(device_rule(all), "a *:* rwm");
    oci::DeviceCgroup null;
    null.allow = true;
    null.type = "c";
    null.major = 1;
    null.minor = 3;
    null.access = "rw";
    EXPECT_EQ(device_rule(null), "c 1:3 rw");
    null.minor = -1;
    EXPECT_EQ(device_rule(null), "c 1:* rw");
    null.access = "rwa";
    EXPECT_EQ(device_rule(null), "c 1:* rw");
    null.access = "";
    EXPECT_EQ(device_rule(null), "c 1:* rwm");
}

TEST(CgroupConvert, RdmaLineHasOnlyTheGivenLimits) {
    oci::Rdma r;
    r.hcaHandles = 3;
    EXPECT_EQ(rdma_line("mlx5_0", r), "mlx5_0 hca_handle=3");
    r.hcaObjects = 9;
    EXPECT_EQ(rdma_line("mlx5_0", r), "mlx5_0 hca_handle=3 hca_object=9");
}

TEST(CgroupConvert, UseHierarchyFalseIsRefusedTrueIsWhatTheKernelDoes) {
    oci::Memory m;
    EXPECT_TRUE(check_use_hierarchy(m).ok());
    m.useHierarchy = true;
    EXPECT_TRUE(check_use_hierarchy(m).ok());
    m.useHierarchy = false;
    auto refused = check_use_hierarchy(m);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().what(),
              "linux.resources.memory.useHierarchy: false is not possible: the kernel's memory cgroups are always "
              "hierarchical");
}
