// Writing linux.resources (all but devices: Cgroup::apply_devices) into the
// cgroup files of each layout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "berth/cgroups/cgroup.hpp"

namespace berth::cgroups {

// v1 controllers (v1 and hybrid hosts). On hybrid hosts hugetlb, when only the
// v2 hierarchy has it, is written there.
Status apply_v1(const Cgroup& cgroup, const oci::Resources& resources);
// The unified hierarchy: `dir` is the container's v2 directory.
Status apply_v2(const std::string& dir, const oci::Resources& resources);
// hugepageLimits in a v2 directory (hugetlb.<size>.max and .rsvd.max).
Status apply_v2_hugetlb(const std::string& dir, const std::vector<oci::HugepageLimit>& limits);

// linux.resources.unified on a v1 or hybrid host: refused (runc's
// ErrV1NoUnified), before anything is made.
Status check_unified_allowed(const oci::Resources& resources, Layout layout);

// A linux.resources.unified key must name a resource file in the container's
// own directory: no path, no cgroup.* interface file but the writable limits.
Status check_unified_key(const std::string& key);

// The CFS burst (v1 cpu.cfs_burst_us, v2 cpu.max.burst) may not exceed the
// quota, so it goes before a quota that shrinks and after one that grows: it
// is written now, and when the kernel refuses it (EINVAL) while a new quota is
// coming, true says to write it again after the quota (as runc orders them).
Result<bool> write_burst_first(const std::string& file, std::optional<uint64_t> burst, bool quota_follows);

// Fails with checkBeforeUpdate when the new limit is below the current usage.
Status check_memory_usage(const std::string& usage_file, const oci::Memory& memory);

}  // namespace berth::cgroups
