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

// A mountinfo field without its octal escapes.
std::string unescape_mountinfo(std::string_view field);

}  // namespace berth
