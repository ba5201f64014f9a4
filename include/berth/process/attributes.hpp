// Per-process attributes of `process`: rlimits, scheduler, ioPriority,
// personality, memoryPolicy, execCPUAffinity, umask. Names are mapped to numbers in the
// parent (errors name the JSON path); the child only makes the syscalls.
#pragma once

#include <sched.h>
#include <sys/resource.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/util/child_error.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::process {

struct PlannedRlimit {
    int resource = 0;
    rlimit limit{};
    const char* name = "";  // "RLIMIT_NOFILE": the child's error names it
};

// struct sched_attr of sched_setattr(2) (glibc has no wrapper).
struct SchedAttr {
    uint32_t size = sizeof(SchedAttr);
    uint32_t sched_policy = 0;
    uint64_t sched_flags = 0;
    int32_t sched_nice = 0;
    uint32_t sched_priority = 0;
    uint64_t sched_runtime = 0;
    uint64_t sched_deadline = 0;
    uint64_t sched_period = 0;
};

// linux.memoryPolicy as set_mempolicy(2) takes it. The node mask is a cpu_set_t
// because node lists are CPU lists ("0-3,7") and its 1024 bits cover the
// kernel's largest MAX_NUMNODES (NODES_SHIFT 10).
struct MemoryPolicy {
    bool set = false;
    int mode = 0;   // MPOL_* | MPOL_F_*
    bool has_nodes = false;
    cpu_set_t nodes{};
};

struct ProcessAttributes {
    std::vector<PlannedRlimit> rlimits;
    bool has_scheduler = false;
    SchedAttr scheduler;
    bool scheduler_in_cpuset = false;  // linux.resources.cpu.cpus is set too
    int ioprio = -1;           // ioprio_set value, -1: unchanged
    long personality = -1;     // -1: unchanged
    MemoryPolicy memory_policy;
    // execCPUAffinity (exec'd processes only: the spec excludes the init).
    bool has_initial_cpus = false;
    cpu_set_t initial_cpus{};  // before anything else runs in the child, before the cgroup join
    bool has_final_cpus = false;
    cpu_set_t final_cpus{};    // once in the container's cgroups
    // Without an affinity of its own the process may run on every CPU of its
    // cpuset once in the container's cgroups, not only on those berth's
    // caller allowed (runc 1.3.1+; since Linux 6.2 a cpuset join keeps the
    // narrower inherited mask).
    bool reset_cpus = false;
    mode_t umask = 022;
};

// Which process the attributes are for: execCPUAffinity is an exec'd process's.
enum class ProcessRole { init, exec };

Result<ProcessAttributes> plan_attributes(const oci::Process& process, const oci::Linux* linux, ProcessRole role);

// "RLIMIT_NOFILE" -> RLIMIT_NOFILE; nullopt for a name we do not know.
std::optional<int> rlimit_resource(std::string_view name);

// "0-3,7" -> set; errors name `where`.
Result<cpu_set_t> parse_cpu_list(std::string_view list, std::string_view where);

// The memory policy modes and flags plan_memory_policy maps (for `features`).
std::vector<std::string_view> memory_policy_mode_names();
std::vector<std::string_view> memory_policy_flag_names();

// linux.memoryPolicy: names to numbers, the node list, and the spec's (and
// runc's) rule on which modes need nodes and which forbid them.
Result<MemoryPolicy> plan_memory_policy(const oci::MemoryPolicy& policy);

// Child, before the user switch (raising hard limits needs privilege): rlimits,
// scheduler, ioPriority, personality, memory policy, umask.
bool apply_attributes(const ProcessAttributes& attrs, ChildError& err) noexcept;

// The CPUs an exec'd process starts on, before its cgroup join (its
// execCPUAffinity.initial, else berth's own, which it inherits), as the
// bitmask of the first 64 CPUs: "0x2" (runc's nsexec logs this under --debug).
std::string initial_affinity_mask(const ProcessAttributes& attrs);

// Child, once in the container's cgroups: execCPUAffinity.final, or every CPU
// of the cpuset (reset_cpus; the kernel narrows the full mask to the cpuset
// and to the CPUs online).
bool place_on_cpus(const ProcessAttributes& attrs, ChildError& err) noexcept;

}  // namespace berth::process
