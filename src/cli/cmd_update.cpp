// berth update: changes the resource limits of a running container.
#include "berth/cli/commands.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"resources", "r", FlagKind::String,
     "path to the file containing the resources to update or '-' to read from the standard input"},
    {"blkio-weight", "", FlagKind::Uint, "specifies per cgroup weight, range is from 10 to 1000", "0"},
    {"cpu-period", "", FlagKind::String, "CPU CFS period to be used for hardcapping (in usecs)"},
    {"cpu-quota", "", FlagKind::String, "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"},
    {"cpu-share", "", FlagKind::String, "CPU shares (relative weight vs. other containers)"},
    {"cpu-rt-period", "", FlagKind::String, "CPU realtime period to be used for hardcapping (in usecs)"},
    {"cpu-rt-runtime", "", FlagKind::String, "CPU realtime hardcap limit (in usecs)"},
    {"cpuset-cpus", "", FlagKind::String, "CPU(s) to use"},
    {"cpuset-mems", "", FlagKind::String, "memory node(s) to use"},
    {"memory", "", FlagKind::String, "memory limit (in bytes)"},
    {"memory-reservation", "", FlagKind::String, "memory reservation or soft_limit (in bytes)"},
    {"memory-swap", "", FlagKind::String, "total memory usage (memory + swap); set '-1' to enable unlimited swap"},
    {"pids-limit", "", FlagKind::Int, "maximum number of pids allowed in the container", "0"},
    {"l3-cache-schema", "", FlagKind::String, "the string of Intel RDT/CAT L3 cache schema"},
    {"mem-bw-schema", "", FlagKind::String, "the string of Intel RDT/MBA memory bandwidth schema"},
};
}  // namespace

const Command kUpdateCommand = {
    .name = "update",
    .summary = "update container resource constraints",
    .args_usage = "<container-id>",
    .description = "With --resources, the file (LinuxResources JSON, '-' for stdin) is used and the other flags "
                   "are ignored.",
    .flags = kFlags,
    .arg_count = ArgCount::exactly(1),
};
}  // namespace berth::cli
