#include <gtest/gtest.h>

#include "berth/cgroups/stats.hpp"

using namespace berth::cgroups;

TEST(CgroupStats, CpuList) {
    EXPECT_EQ(parse_cpu_list("0-2,5"), (std::vector<uint64_t>{0, 1, 2, 5}));
    EXPECT_EQ(parse_cpu_list("3"), (std::vector<uint64_t>{3}));
    EXPECT_TRUE(parse_cpu_list("").empty());
}

TEST(CgroupStats, FlatKeyed) {
    auto m = parse_flat_keyed("usage_usec 10\nnr_periods 2\nlimit max\n");
    EXPECT_EQ(m["usage_usec"], 10u);
    EXPECT_EQ(m["nr_periods"], 2u);
    EXPECT_EQ(m["limit"], UINT64_MAX);
}

// Field names, order and omitempty as runc 1.1's `events --stats` prints them.
TEST(CgroupStats, EventJsonHasRuncsShape) {
    Stats s;
    s.cpu.total = 10;
    s.cpu.percpu = {4, 6};
    s.cpuset.cpus = {0, 1};
    s.cpuset.mems = {0};
    s.cpuset.sched_load_balance = 1;
    s.cpuset.sched_relax_domain_level = -1;
    s.memory.usage = {100, 50, 70, 0};
    s.memory.raw["cache"] = 0;
    s.pids.current = 1;
    s.hugetlb["2MB"] = {};
    EXPECT_EQ(stats_event_json("c1", s),
              R"({"type":"stats","id":"c1","data":{"cpu":{"usage":{"total":10,"percpu":[4,6],"kernel":0,"user":0},)"
              R"("throttling":{}},"cpuset":{"cpus":[0,1],"cpu_exclusive":0,"mems":[0],"mem_hardwall":0,)"
              R"("mem_exclusive":0,"memory_migrate":0,"memory_spread_page":0,"memory_spread_slab":0,)"
              R"("memory_pressure":0,"sched_load_balance":1,"sched_relax_domain_level":-1},)"
              R"("memory":{"usage":{"limit":100,"usage":50,"max":70,"failcnt":0},"swap":{"limit":0,"failcnt":0},)"
              R"("kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0},"raw":{"cache":0}},)"
              R"("pids":{"current":1},"blkio":{},"hugetlb":{"2MB":{"failcnt":0}},"intel_rdt":{},)"
              R"("network_interfaces":null}})");
    EXPECT_EQ(oom_event_json("c1"), R"({"type":"oom","id":"c1"})");
}
