// The v1 devices controller as the kernel keeps it (a default plus exceptions)
// and the smallest series of devices.allow/deny writes from one state to
// another, so that updating a running container never denies, even for an
// instant, a device it keeps (runc's "minimal transition rules").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::cgroups {

// Access bits of a device exception.
enum DeviceAccess : unsigned { kDeviceRead = 1, kDeviceWrite = 2, kDeviceMknod = 4 };
// The bits as letters, in the kernel's order: "rwm", "rm", ...
std::string device_access_letters(unsigned bits);

struct DeviceKey {
    char type = 'c';     // 'c' or 'b'
    int64_t major = -1;  // -1 = any ("*")
    int64_t minor = -1;
    auto operator<=>(const DeviceKey&) const = default;
};

struct DeviceState {
    bool default_allow = false;
    // Devices that are the exception to the default, with their access bits.
    // When default_allow, devices.list cannot show them (the kernel prints
    // "a *:* rwm" only), so a state parsed from it has none.
    std::map<DeviceKey, unsigned> exceptions;
    bool operator==(const DeviceState&) const = default;
};

// The state the kernel reaches writing `rules` in order into a deny-all cgroup
// (as runc, a container's devices are always an allow list unless a rule says
// otherwise). Refuses what v1 cannot express: denying part of a wildcard
// exception ("cannot punch a hole"), which v1 would silently ignore.
Result<DeviceState> emulate_device_rules(const std::vector<oci::DeviceCgroup>& rules);

// Parses devices.list ("a *:* rwm" = allow-all; else one exception a line).
Result<DeviceState> parse_devices_list(std::string_view text);

// One write: `line` ("c 1:3 rw") to devices.allow (allow) or devices.deny.
struct DeviceWrite {
    bool allow = false;
    std::string line;
    bool operator==(const DeviceWrite&) const = default;
};

// The writes taking a cgroup from `from` to `to`. Only when the default
// changes, or `from` is allow-all (whose exceptions devices.list hides), does
// it start with a reset ("a" to devices.allow/deny); otherwise it only takes
// away dropped access and adds gained access, leaving kept access untouched.
std::vector<DeviceWrite> device_transition(const DeviceState& from, const DeviceState& to);

// Applies `rules` to the v1 devices cgroup `dir` with the minimal transition
// from its current devices.list, then checks the kernel reached the target.
Status apply_v1_devices(const std::string& dir, const std::vector<oci::DeviceCgroup>& rules);

}  // namespace berth::cgroups
