// linux.resources as systemd unit properties (--systemd-cgroup), as runc maps
// them (systemd.resource-control(5)). Pure functions: the D-Bus calls are the
// driver's.
//
// The split between systemd and the cgroup files: systemd gets every resource
// it has a property for (on this systemd version), and the driver then writes
// ALL of `files` with the cgroupfs code (apply_v1/apply_v2, apply_devices), as
// runc's systemd managers run their fs managers after SetUnitProperties:
//   - systemd applies properties lazily (its cgroup realize queue), so without
//     the writes a limit could be missing when create/update returns;
//   - what systemd has no property for (io.max, hugetlb, rdma, swappiness,
//     most of `unified`, ...) or takes only from a later version is applied at all;
//   - systemd rewrites the files from its properties on daemon-reload and
//     whenever it re-realizes the unit, so a resource with a property must be
//     in the properties, and with the same value as in the files.
// Order for the driver: check_memory_usage (memory.checkBeforeUpdate) first,
// as runc does, since a MemoryMax below the usage gets the container OOM-killed
// and its unit gone before the files step could refuse; then the properties;
// then `files`. The files step attaches berth's own device program and
// detaches systemd's until systemd re-realizes the unit: both allow the same
// devices but for what device_properties leaves out.
// `files` is the input with the few values systemd must also have replaced by
// systemd's: unified pids.max 0 as 1 (systemd has no TasksMax=0; with the init
// inside, both forbid any fork). The CPU quota is not: systemd keeps it per
// second rounded up to 10 ms, the files get the exact quota, as runc writes
// them (cpu.max holds what was asked until systemd re-realizes the unit).
// pids.limit 0 is TasksMax=1, as runc 1.4 asks and berth's cgroupfs code
// writes. One input differs from runc's: cpu.period without cpu.quota
// sends only CPUQuotaPeriodUSec (runc also sets the quota unlimited, as its
// callers always pass both): on update, pass the current quota with a new
// period, or systemd (which keeps a quota per second) and cpu.max disagree
// (the driver's update does: the other half comes from cpu.max, as runc's).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "berth/cgroups/systemd_unit.hpp"
#include "berth/util/dbus_value.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::cgroups::systemd {

// Versions that introduced the properties we gate.
inline constexpr unsigned kDeviceGroupGlobVersion = 240;   // DeviceAllow "char-<major>"
inline constexpr unsigned kCpuQuotaPeriodVersion = 242;    // CPUQuotaPeriodUSec
inline constexpr unsigned kAllowedCpusVersion = 244;       // AllowedCPUs, AllowedMemoryNodes
inline constexpr unsigned kCpuIdleVersion = 252;           // CPUWeight=0 is cpu.idle=1
inline constexpr unsigned kOomPolicyVersion = 253;         // OOMPolicy of a scope

struct Host {
    bool unified = true;   // the cgroup v2 layout; false: v1 or hybrid (systemd's legacy properties)
    unsigned version = 0;  // systemd's Version ("252.6-1" -> 252); 0 when unknown: nothing gated
    // The text of /proc/devices: the device group names ("char-pts") for
    // "<major>:*" rules.
    std::string_view proc_devices;
    // Set by at_least: the mapping gated a property on the version. Reading the
    // version costs the driver a round trip, so it maps with the version unknown
    // first and reads it (and maps again) only when this is set.
    mutable bool version_asked = false;

    bool at_least(unsigned wanted) const {
        version_asked = true;
        return version >= wanted;
    }
};

struct ResourceProperties {
    std::vector<dbus::Property> properties;
    oci::Resources files;  // what to write to the cgroup files afterwards (see above)
};

// The properties of StartTransientUnit for `unit`, as runc starts it: its
// Description, its place (a scope: Slice= and Delegate=yes; a slice: Wants=),
// `pids` (a scope cannot start empty; none for a slice), accounting of every
// controller (the cgroupfs driver's counters are always there), no default
// dependencies, then `annotations` (annotation_properties, which may override
// these), then OOMPolicy from unified memory.oom.group (systemd takes it only at
// start; >= 253). The resources come after, with SetUnitProperties.
Result<std::vector<dbus::Property>> start_properties(const Unit& unit, std::string_view container_id,
                                                     const std::vector<uint32_t>& pids,
                                                     const std::vector<dbus::Property>& annotations,
                                                     const oci::Resources* resources, const Host& host);

// Properties for `resources`, devices included: `resources.devices` are the
// container's own rules, to which the default devices are added (as
// Cgroup::apply_devices does); systemd's device program is replaced as a whole,
// so on `update` pass the container's rules, never an empty list.
Result<ResourceProperties> resource_properties(const oci::Resources& resources, const Host& host);

// DeviceAllow/DevicePolicy for the rule list (the defaults added), as runc:
// an allow list is DevicePolicy=strict with one DeviceAllow entry per allowed
// device ("/dev/char/1:3", "char-pts" by its /proc/devices name or else
// "char-136" from systemd 240, "char-*"); allow-all is
// DevicePolicy=auto. What systemd cannot express ("*:<minor>" rules, a deny
// list) is left out with a warning: the driver's own device filter has it.
Result<std::vector<dbus::Property>> device_properties(const std::vector<oci::DeviceCgroup>& rules, const Host& host);

// A cpuset list ("0-3,8") as AllowedCPUs/AllowedMemoryNodes bytes: bit n of
// byte n/8 for each listed n. Spaces and empty items are allowed; nothing listed is not.
Result<std::vector<uint8_t>> cpuset_bits(std::string_view list);

// The device group ("char-pts", "block-loop") of a major number in /proc/devices; "" when absent.
std::string device_group(std::string_view proc_devices, char type, int64_t major);

}  // namespace berth::cgroups::systemd
