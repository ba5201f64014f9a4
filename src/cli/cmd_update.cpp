// berth update: changes the resource limits of a running container.
#include <unistd.h>

#include <cerrno>

#include "berth/container/lifecycle.hpp"
#include "berth/cgroups/files.hpp"
#include "berth/cgroups/update_flags.hpp"
#include "berth/cli/commands.hpp"
#include "oci/parser.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"resources", "r", FlagKind::String,
     "path to the file containing the resources to update or '-' to read from the standard input"},
    {"blkio-weight", "", FlagKind::Uint, "specifies per cgroup weight, range is from 10 to 1000", "0"},
    {"cpu-period", "", FlagKind::String, "CPU CFS period to be used for hardcapping (in usecs)"},
    {"cpu-quota", "", FlagKind::String, "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"},
    {"cpu-burst", "", FlagKind::String,
     "CPU CFS hardcap burst limit (in usecs). Allowed accumulated cpu time additionally for burst a given period"},
    {"cpu-share", "", FlagKind::String, "CPU shares (relative weight vs. other containers)"},
    {"cpu-rt-period", "", FlagKind::String, "CPU realtime period to be used for hardcapping (in usecs)"},
    {"cpu-rt-runtime", "", FlagKind::String, "CPU realtime hardcap limit (in usecs)"},
    {"cpuset-cpus", "", FlagKind::String, "CPU(s) to use"},
    {"cpuset-mems", "", FlagKind::String, "memory node(s) to use"},
    {"kernel-memory", "", FlagKind::String, "(obsoleted; do not use)"},
    {"kernel-memory-tcp", "", FlagKind::String, "(obsoleted; do not use)"},
    {"memory", "", FlagKind::String, "memory limit (in bytes)"},
    {"cpu-idle", "", FlagKind::String, "set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE"},
    {"memory-reservation", "", FlagKind::String, "memory reservation or soft_limit (in bytes)"},
    {"memory-swap", "", FlagKind::String, "total memory usage (memory + swap); set '-1' to enable unlimited swap"},
    {"pids-limit", "", FlagKind::Int, "maximum number of pids allowed in the container", "0"},
    {"l3-cache-schema", "", FlagKind::String, "the string of Intel RDT/CAT L3 cache schema"},
    {"mem-bw-schema", "", FlagKind::String, "the string of Intel RDT/MBA memory bandwidth schema"},
};

// --resources FILE|- (LinuxResources JSON, as containerd and CRI-O send it), else runc's flags.
Result<oci::Resources> requested_resources(const Flags& flags) {
    if (flags.is_set("resources")) {
        std::string source = flags.get_string("resources");
        BERTH_TRY_ASSIGN(std::string json, source == "-" ? read_all(STDIN_FILENO, "resources from stdin") : read_file(source));
        return oci::parse_resources(json, source == "-" ? "resources (stdin)" : source);
    }
    cgroups::UpdateFlags f;
    f.memory = flags.get_string("memory");
    f.memory_reservation = flags.get_string("memory-reservation");
    f.memory_swap = flags.get_string("memory-swap");
    f.kernel_memory = flags.get_string("kernel-memory");
    f.kernel_memory_tcp = flags.get_string("kernel-memory-tcp");
    f.cpu_period = flags.get_string("cpu-period");
    f.cpu_quota = flags.get_string("cpu-quota");
    f.cpu_burst = flags.get_string("cpu-burst");
    f.cpu_idle = flags.get_string("cpu-idle");
    f.cpu_share = flags.get_string("cpu-share");
    f.cpu_rt_period = flags.get_string("cpu-rt-period");
    f.cpu_rt_runtime = flags.get_string("cpu-rt-runtime");
    f.cpuset_cpus = flags.get_string("cpuset-cpus");
    f.cpuset_mems = flags.get_string("cpuset-mems");
    if (flags.is_set("pids-limit")) f.pids_limit = flags.get_int("pids-limit");
    f.blkio_weight = flags.get_uint("blkio-weight");
    return cgroups::resources_from_flags(f);
}

Result<int> run_update(const Invocation& inv) {
    BERTH_TRY_ASSIGN(oci::Resources resources, requested_resources(inv.flags));
    BERTH_TRY(container::update_container(inv.global.root, inv.args[0], resources, inv.flags.get_string("l3-cache-schema"),
                                          inv.flags.get_string("mem-bw-schema")));
    return 0;
}

}  // namespace

const Command kUpdateCommand = {
    .name = "update",
    .summary = "update container resource constraints",
    .args_usage = "<container-id>",
    .description = "With --resources, the file (LinuxResources JSON, '-' for stdin) is used and the other flags "
                   "are ignored.",
    .flags = kFlags,
    .arg_count = ArgCount::exactly(1),
    .run = run_update,
};
}  // namespace berth::cli
