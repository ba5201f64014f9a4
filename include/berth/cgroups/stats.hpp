// Resource usage of a container's cgroup, for `events --stats`, in the shape
// runc prints (libcontainer's types.Stats), read from v1 or v2 files.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "berth/cgroups/cgroup.hpp"

namespace berth::cgroups {

struct MemoryEntry {
    uint64_t limit = 0, usage = 0, max = 0, failcnt = 0;
};

struct BlkioEntry {
    uint64_t major = 0, minor = 0;
    std::string op;  // "Read", "Write", "Sync", "Async", "Discard", "Total"
    uint64_t value = 0;
};

struct HugetlbEntry {
    uint64_t usage = 0, max = 0, failcnt = 0;
};

struct Stats {
    struct {
        uint64_t total = 0, kernel = 0, user = 0;  // nanoseconds
        std::vector<uint64_t> percpu, percpu_kernel, percpu_user;
        uint64_t periods = 0, throttled_periods = 0, throttled_time = 0;
    } cpu;
    struct {
        std::vector<uint64_t> cpus, mems;
        uint64_t cpu_exclusive = 0, mem_hardwall = 0, mem_exclusive = 0, memory_migrate = 0,
                 memory_spread_page = 0, memory_spread_slab = 0, memory_pressure = 0, sched_load_balance = 0;
        int64_t sched_relax_domain_level = 0;
    } cpuset;
    struct {
        uint64_t cache = 0;
        MemoryEntry usage, swap, kernel, kernel_tcp;
        std::map<std::string, uint64_t> raw;  // memory.stat
    } memory;
    struct {
        uint64_t current = 0, limit = 0;  // limit 0: unlimited
    } pids;
    std::vector<BlkioEntry> io_service_bytes, io_serviced;
    std::map<std::string, HugetlbEntry> hugetlb;  // by page size, "2MB"
};

Result<Stats> collect_stats(const Cgroup& cgroup);

// {"type":"stats","id":ID,"data":{...}} as runc's `events --stats` line.
std::string stats_event_json(std::string_view id, const Stats& stats);
// {"type":"oom","id":ID}
std::string oom_event_json(std::string_view id);

// "0-2,5" -> {0,1,2,5}
std::vector<uint64_t> parse_cpu_list(std::string_view list);
// "Key value" lines (memory.stat, cpu.stat) -> map.
std::map<std::string, uint64_t> parse_flat_keyed(std::string_view text);

}  // namespace berth::cgroups
