// Value conversions between the OCI resources (cgroup v1 units) and the
// cgroup files, as runc converts them. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::cgroups {

// cpu.shares [2, 262144] -> cpu.weight [1, 10000]; 0 means unset and stays 0.
uint64_t shares_to_weight(uint64_t shares);
// blkio.weight [10, 1000] -> io.weight [1, 10000]; 0 stays 0.
uint64_t blkio_to_io_weight(uint64_t weight);
// memory.swap (memory+swap, v1 semantics) -> memory.swap.max (swap only).
// -1 is unlimited, 0 unset; needs a memory limit otherwise.
Result<int64_t> swap_to_v2(int64_t swap, int64_t memory);
// A v2 limit: negative -> "max".
std::string v2_limit(int64_t value);
// pids.max for a pids limit: negative -> "max", and 0 -> "1" as runc 1.4+ writes it (systemd's TasksMax
// cannot be 0, so runc maps 0 to 1 on every driver; the container's init already counts as one task, so
// either way nothing more can fork). runtime-spec 1.3 says 0 is a limit, not "unset".
std::string pids_max(int64_t limit);

// linux.resources.memory.useHierarchy: memory cgroups are hierarchical, always
// on v2 and on v1 since memory.use_hierarchy was deprecated (it reads 1 and
// refuses 0). `true` is what the kernel does; `false` cannot be had.
Status check_use_hierarchy(const oci::Memory& memory);
// cpu.max from quota/period; an absent half keeps its value from `current`
// (cpu.max as read, e.g. "max 100000"), so updating one does not reset the other.
std::string cpu_max(std::optional<int64_t> quota, std::optional<uint64_t> period, const std::string& current);
// The rule's access as the kernel takes it: only 'r', 'w', 'm' (absent or empty:
// "rwm"). runc accepts other letters (its tests use "rwa") and drops them: so do we.
std::string device_access(const oci::DeviceCgroup& rule);
// A device rule for v1 devices.allow/deny: "c 1:3 rwm", "a *:* rwm".
std::string device_rule(const oci::DeviceCgroup& rule);
// "maj:min".
std::string device_number(int64_t major, int64_t minor);
// rdma.max line: "mlx5_0 hca_handle=3 hca_object=max".
std::string rdma_line(const std::string& device, const oci::Rdma& limit);

}  // namespace berth::cgroups
