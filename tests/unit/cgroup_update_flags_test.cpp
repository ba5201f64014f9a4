#include <gtest/gtest.h>

#include "berth/cgroups/update_flags.hpp"

using namespace berth::cgroups;

TEST(CgroupUpdateFlags, RamSizesUseBinaryUnits) {
    EXPECT_EQ(*parse_ram_size("512"), 512);
    EXPECT_EQ(*parse_ram_size("100M"), 100 << 20);
    EXPECT_EQ(*parse_ram_size("100m"), 100 << 20);
    EXPECT_EQ(*parse_ram_size("64kb"), 64 << 10);
    EXPECT_EQ(*parse_ram_size("2GiB"), int64_t{2} << 30);
    EXPECT_EQ(*parse_ram_size("1.5g"), int64_t{3} << 29);
    EXPECT_EQ(*parse_ram_size("10 MB"), 10 << 20);
    for (const char* bad : {"abc", "", "-5", "10X", "1..5m", "m", "1.2.3"}) {
        auto r = parse_ram_size(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().what(), std::string("invalid size: '") + bad + "'");
    }
}

TEST(CgroupUpdateFlags, OnlyGivenFlagsAreSet) {
    UpdateFlags f;
    f.memory = "100M";
    f.memory_swap = "-1";
    f.cpu_quota = "-1";
    f.cpu_share = "512";
    f.cpuset_cpus = "0-1";
    f.pids_limit = 10;
    auto r = resources_from_flags(f);
    ASSERT_TRUE(r.ok()) << r.error().what();
    EXPECT_EQ(r->memory->limit, 100 << 20);
    EXPECT_EQ(r->memory->swap, -1);
    EXPECT_FALSE(r->memory->reservation.has_value());
    EXPECT_EQ(r->cpu->quota, -1);
    EXPECT_EQ(r->cpu->shares, 512u);
    EXPECT_FALSE(r->cpu->period.has_value());
    EXPECT_EQ(r->cpu->cpus, "0-1");
    EXPECT_EQ(r->pids->limit, 10);
    EXPECT_FALSE(r->blockIO.has_value());
}

TEST(CgroupUpdateFlags, PidsLimitZeroIsGivenNotAbsent) {
    UpdateFlags none;
    EXPECT_FALSE(resources_from_flags(none)->pids.has_value());
    UpdateFlags zero;
    zero.pids_limit = 0;  // `update --pids-limit 0`: a limit, as in runc 1.4+
    auto r = resources_from_flags(zero);
    ASSERT_TRUE(r.ok()) << r.error().what();
    ASSERT_TRUE(r->pids.has_value());
    EXPECT_EQ(r->pids->limit, 0);
}

TEST(CgroupUpdateFlags, ErrorsAreRuncs) {
    UpdateFlags f;
    f.memory = "abc";
    EXPECT_EQ(resources_from_flags(f).error().what(), "invalid value for memory: invalid size: 'abc'");
    UpdateFlags p;
    p.cpu_period = "-5";
    EXPECT_EQ(resources_from_flags(p).error().what(),
              "invalid value for cpu-period: strconv.ParseUint: parsing \"-5\": invalid syntax");
    UpdateFlags q;
    q.cpu_quota = "12x";
    EXPECT_EQ(resources_from_flags(q).error().what(),
              "invalid value for cpu-quota: strconv.ParseInt: parsing \"12x\": invalid syntax");
}

TEST(CgroupUpdateFlags, CpuBurstAndIdle) {
    UpdateFlags f;
    f.cpu_burst = "500000";
    f.cpu_idle = "1";
    auto r = resources_from_flags(f);
    ASSERT_TRUE(r.ok()) << r.error().what();
    EXPECT_EQ(r->cpu->burst, 500000u);
    EXPECT_EQ(r->cpu->idle, 1);
    EXPECT_FALSE(r->cpu->shares.has_value());
    UpdateFlags none;
    EXPECT_FALSE(resources_from_flags(none)->cpu->burst.has_value());
    EXPECT_FALSE(resources_from_flags(none)->cpu->idle.has_value());
    UpdateFlags zero;
    zero.cpu_burst = "0";  // 0 turns the burst off: given, not absent
    EXPECT_EQ(resources_from_flags(zero)->cpu->burst, 0u);
    UpdateFlags bad_burst;
    bad_burst.cpu_burst = "-1";
    EXPECT_EQ(resources_from_flags(bad_burst).error().what(),
              "invalid value for cpu-burst: strconv.ParseUint: parsing \"-1\": invalid syntax");
    UpdateFlags bad_idle;
    bad_idle.cpu_idle = "x";
    EXPECT_EQ(resources_from_flags(bad_idle).error().what(),
              "invalid value for cpu-idle: strconv.ParseInt: parsing \"x\": invalid syntax");
}
