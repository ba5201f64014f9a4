// runc `update`'s flags turned into LinuxResources, with runc's parsing and
// error texts ("invalid value for memory: invalid size: 'abc'"). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::cgroups {

// The flags as given; an empty string (or 0, or nullopt) is a flag not given.
struct UpdateFlags {
    std::string memory, memory_reservation, memory_swap, kernel_memory, kernel_memory_tcp;
    std::string cpu_period, cpu_quota, cpu_burst, cpu_share, cpu_rt_period, cpu_rt_runtime, cpu_idle;
    std::string cpuset_cpus, cpuset_mems;
    std::optional<int64_t> pids_limit;  // 0 is a limit (runtime-spec 1.3), so "not given" is nullopt
    uint64_t blkio_weight = 0;
};

// docker's units.RAMInBytes: "512", "100M", "1.5g", "2GiB", "64kb" (binary units).
Result<int64_t> parse_ram_size(std::string_view text);

// Only what was given is set, so applying it leaves everything else alone.
Result<oci::Resources> resources_from_flags(const UpdateFlags& flags);

}  // namespace berth::cgroups
