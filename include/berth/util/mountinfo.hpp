// /proc/PID/mountinfo, parsed once for everyone who looks for a mount in it
// (cgroup hierarchies, the cgroup mounts of a container, resctrl, the procfs
// and sysfs mounts that allow a new one).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "berth/util/result.hpp"

namespace berth {

// One line: `id parent major:minor root mountpoint options [optional...] - fstype source superopts`,
// its paths unescaped (the kernel writes space, tab, newline and backslash as \ooo).
struct MountInfo {
    std::string root;
    std::string mountpoint;
    std::string fstype;
    std::string source;
    std::string super_options;
};

// Lines that do not have this shape are skipped.
std::vector<MountInfo> parse_mountinfo(std::string_view text);
// This process's mounts.
Result<std::vector<MountInfo>> read_mountinfo();

// This process's mountinfo text as it was when first asked for, kept for the
// process: where the host's cgroup hierarchies are mounted, which a berth
// command never changes and both the cgroup manager and the container's
// cgroup mounts look up. Reading mountinfo holds the kernel's global mount
// lock, and waits behind every mount made on the host meanwhile: 8.7 ms per
// read on average in 50 parallel `run`s here.
Result<std::string_view> first_mountinfo();

// A mountinfo field without its octal escapes.
std::string unescape_mountinfo(std::string_view field);

}  // namespace berth
