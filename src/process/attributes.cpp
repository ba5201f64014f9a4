#include "berth/process/attributes.hpp"

#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "berth/util/id_list.hpp"

namespace berth::process {
namespace {

struct Named {
    const char* name;
    int value;
};

constexpr Named kRlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_FSIZE", RLIMIT_FSIZE},       {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},   {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

constexpr Named kPolicies[] = {
    {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},       {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6},
};

constexpr Named kSchedFlags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01}, {"SCHED_FLAG_RECLAIM", 0x02},     {"SCHED_FLAG_DL_OVERRUN", 0x04},
    {"SCHED_FLAG_KEEP_POLICY", 0x08},   {"SCHED_FLAG_KEEP_PARAMS", 0x10}, {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

constexpr Named kIoClasses[] = {{"IOPRIO_CLASS_RT", 1}, {"IOPRIO_CLASS_BE", 2}, {"IOPRIO_CLASS_IDLE", 3}};

constexpr Named kDomains[] = {{"LINUX", PER_LINUX}, {"LINUX32", PER_LINUX32}};

// <linux/mempolicy.h>'s values; Debian 12's headers predate MPOL_WEIGHTED_INTERLEAVE (Linux 6.9).
constexpr Named kMemoryPolicyModes[] = {
    {"MPOL_DEFAULT", 0}, {"MPOL_PREFERRED", 1},      {"MPOL_BIND", 2},
    {"MPOL_INTERLEAVE", 3}, {"MPOL_LOCAL", 4}, {"MPOL_PREFERRED_MANY", 5}, {"MPOL_WEIGHTED_INTERLEAVE", 6},
};

constexpr Named kMemoryPolicyFlags[] = {
    {"MPOL_F_NUMA_BALANCING", 1 << 13}, {"MPOL_F_RELATIVE_NODES", 1 << 14}, {"MPOL_F_STATIC_NODES", 1 << 15}};

// How many nodes each mode takes (set_mempolicy(2)); runc validates the same.
enum class NodeRule { none, some, any };

NodeRule node_rule(int mode) {
    switch (mode) {
        case 0:  // MPOL_DEFAULT
        case 4:  // MPOL_LOCAL
            return NodeRule::none;
        case 1:  // MPOL_PREFERRED: no nodes means local allocation
            return NodeRule::any;
        default: return NodeRule::some;
    }
}

template <size_t N>
const Named* find(const Named (&table)[N], std::string_view name) {
    for (const auto& entry : table) {
        if (entry.name == name) return &entry;
    }
    return nullptr;
}

template <size_t N>
Result<int> lookup(const Named (&table)[N], std::string_view name, const std::string& where) {
    if (const Named* entry = find(table, name)) return entry->value;
    return Error::msg(where + ": unknown value \"" + std::string(name) + "\"");
}

Result<SchedAttr> plan_scheduler(const oci::Scheduler& s) {
    SchedAttr attr;
    BERTH_TRY_ASSIGN(int policy, lookup(kPolicies, s.policy, "config.json: process.scheduler.policy"));
    attr.sched_policy = static_cast<uint32_t>(policy);
    for (size_t i = 0; i < s.flags.size(); ++i) {
        BERTH_TRY_ASSIGN(int flag, lookup(kSchedFlags, s.flags[i], "config.json: process.scheduler.flags[" + std::to_string(i) + "]"));
        attr.sched_flags |= static_cast<uint64_t>(flag);
    }
    attr.sched_nice = s.nice.value_or(0);
    attr.sched_priority = static_cast<uint32_t>(s.priority.value_or(0));
    attr.sched_runtime = s.runtime.value_or(0);
    attr.sched_deadline = s.deadline.value_or(0);
    attr.sched_period = s.period.value_or(0);
    return attr;
}

Result<int> plan_ioprio(const oci::IOPriority& io) {
    BERTH_TRY_ASSIGN(int io_class, lookup(kIoClasses, io.ioClass, "config.json: process.ioPriority.class"));
    if (io.priority < 0 || io.priority > 7) return Error::msg("config.json: process.ioPriority.priority: must be 0..7");
    return (io_class << 13) | io.priority;
}

// A non-empty list of ids below CPU_SETSIZE as a set; `what` names it in the error.
Result<cpu_set_t> parse_id_set(std::string_view list, std::string_view where, std::string_view what) {
    cpu_set_t set;
    CPU_ZERO(&set);
    const auto ids = parse_id_list(list, CPU_SETSIZE);
    if (!ids || ids->empty())
        return Error::msg(std::string(where) + ": invalid " + std::string(what) + " \"" + std::string(list) + "\"");
    for (unsigned id : *ids) CPU_SET(id, &set);
    return set;
}

}  // namespace

std::optional<int> rlimit_resource(std::string_view name) {
    if (const Named* entry = find(kRlimits, name)) return entry->value;
    return std::nullopt;
}

Result<cpu_set_t> parse_cpu_list(std::string_view list, std::string_view where) {
    return parse_id_set(list, where, "CPU list");
}

template <size_t N>
std::vector<std::string_view> names_of(const Named (&table)[N]) {
    std::vector<std::string_view> names;
    for (const auto& entry : table) names.push_back(entry.name);
    return names;
}

std::vector<std::string_view> memory_policy_mode_names() { return names_of(kMemoryPolicyModes); }
std::vector<std::string_view> memory_policy_flag_names() { return names_of(kMemoryPolicyFlags); }

Result<MemoryPolicy> plan_memory_policy(const oci::MemoryPolicy& policy) {
    MemoryPolicy planned;
    planned.set = true;
    BERTH_TRY_ASSIGN(planned.mode, lookup(kMemoryPolicyModes, policy.mode, "config.json: linux.memoryPolicy.mode"));
    NodeRule rule = node_rule(planned.mode);
    for (size_t i = 0; i < policy.flags.size(); ++i) {
        BERTH_TRY_ASSIGN(int flag, lookup(kMemoryPolicyFlags, policy.flags[i],
                                          "config.json: linux.memoryPolicy.flags[" + std::to_string(i) + "]"));
        planned.mode |= flag;
    }
    // An empty list is no list, as runc reads it.
    if (policy.nodes && !policy.nodes->empty()) {
        BERTH_TRY_ASSIGN(planned.nodes, parse_id_set(*policy.nodes, "config.json: linux.memoryPolicy.nodes", "memory policy nodes"));
        planned.has_nodes = true;
    }
    int count = planned.has_nodes ? CPU_COUNT(&planned.nodes) : 0;
    if (rule == NodeRule::none && count != 0)
        return Error::msg("config.json: linux.memoryPolicy.nodes: memory policy mode requires 0 nodes but got " + std::to_string(count));
    if (rule == NodeRule::some && count == 0)
        return Error::msg("config.json: linux.memoryPolicy.nodes: memory policy mode requires at least one node but got 0");
    return planned;
}

Result<ProcessAttributes> plan_attributes(const oci::Process& process, const oci::Linux* linux, ProcessRole role) {
    ProcessAttributes attrs;
    for (size_t i = 0; i < process.rlimits.size(); ++i) {
        const auto& r = process.rlimits[i];
        // The parser refused unknown types; the names are literals: valid in the child.
        const Named* entry = find(kRlimits, r.type);
        if (!entry) return Error::msg("config.json: process.rlimits[" + std::to_string(i) + "].type: unknown value \"" + r.type + "\"");
        attrs.rlimits.push_back({entry->value, rlimit{static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)}, entry->name});
    }
    if (process.scheduler) {
        BERTH_TRY_ASSIGN(attrs.scheduler, plan_scheduler(*process.scheduler));
        attrs.has_scheduler = true;
        attrs.scheduler_in_cpuset = linux && linux->resources && linux->resources->cpu &&
                                    linux->resources->cpu->cpus && !linux->resources->cpu->cpus->empty();
    }
    if (process.ioPriority) {
        BERTH_TRY_ASSIGN(attrs.ioprio, plan_ioprio(*process.ioPriority));
    }
    if (linux && linux->personality) {
        BERTH_TRY_ASSIGN(int domain, lookup(kDomains, linux->personality->domain, "config.json: linux.personality.domain"));
        if (!linux->personality->flags.empty()) {
            return Error::msg("config.json: linux.personality.flags: no personality flags are supported");
        }
        attrs.personality = domain;
    }
    if (linux && linux->memoryPolicy) {
        BERTH_TRY_ASSIGN(attrs.memory_policy, plan_memory_policy(*linux->memoryPolicy));
    }
    attrs.reset_cpus = true;
    if (process.execCPUAffinity && role == ProcessRole::exec) {
        if (const auto& initial = process.execCPUAffinity->initial) {
            BERTH_TRY_ASSIGN(attrs.initial_cpus, parse_cpu_list(*initial, "config.json: process.execCPUAffinity.initial"));
            attrs.has_initial_cpus = true;
        }
        if (const auto& final_cpus = process.execCPUAffinity->final) {
            BERTH_TRY_ASSIGN(attrs.final_cpus, parse_cpu_list(*final_cpus, "config.json: process.execCPUAffinity.final"));
            attrs.has_final_cpus = true;
        }
        // runc: an initial affinity alone is kept after the cgroup join.
        attrs.reset_cpus = !attrs.has_initial_cpus && !attrs.has_final_cpus;
    }
    if (process.user.umask) attrs.umask = static_cast<mode_t>(*process.user.umask & 07777);
    return attrs;
}

bool apply_attributes(const ProcessAttributes& attrs, ChildError& err) noexcept {
    for (const auto& r : attrs.rlimits) {
        if (::setrlimit(static_cast<__rlimit_resource>(r.resource), &r.limit) != 0) {
            // EPERM: a hard limit above berth's own needs CAP_SYS_RESOURCE in the host's user namespace.
            return err.fail(errno, "setrlimit %s (soft %llu, hard %llu)", r.name,
                            static_cast<unsigned long long>(r.limit.rlim_cur),
                            static_cast<unsigned long long>(r.limit.rlim_max));
        }
    }
    if (attrs.has_scheduler && ::syscall(SYS_sched_setattr, 0, &attrs.scheduler, 0) != 0) {
        // SCHED_DEADLINE refuses a cpuset narrower than its root domain with a
        // bare EPERM; runc names the cause, and so do we, in its words.
        if (errno == EPERM && attrs.scheduler_in_cpuset) {
            return err.fail(0, "process scheduler can't be used together with AllowedCPUs");
        }
        return err.fail(errno, "sched_setattr");
    }
    if (attrs.ioprio >= 0 && ::syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, attrs.ioprio) != 0) {
        return err.fail(errno, "ioprio_set");
    }
    if (attrs.personality >= 0 && ::personality(static_cast<unsigned long>(attrs.personality)) < 0) {
        return err.fail(errno, "personality");
    }
    // Where runc sets it, in the init and in exec'd processes: before seccomp (a profile may deny
    // set_mempolicy) and the user switch. It is inherited across execve.
    const MemoryPolicy& mp = attrs.memory_policy;
    if (mp.set) {
        // maxnode counts one past the mask's bits: the kernel reads maxnode - 1 of them.
        const unsigned long* mask = mp.has_nodes ? mp.nodes.__bits : nullptr;
        unsigned long maxnode = mp.has_nodes ? CPU_SETSIZE + 1 : 0;
        if (::syscall(SYS_set_mempolicy, mp.mode, mask, maxnode) != 0)
            return err.fail(errno, "set_mempolicy (linux.memoryPolicy)");
    }
    ::umask(attrs.umask);
    return true;
}

std::string initial_affinity_mask(const ProcessAttributes& attrs) {
    cpu_set_t own;
    const cpu_set_t* cpus = &attrs.initial_cpus;
    if (!attrs.has_initial_cpus) {
        if (::sched_getaffinity(0, sizeof(own), &own) != 0) return "unknown";
        cpus = &own;
    }
    uint64_t mask = 0;
    for (int cpu = 0; cpu < 64; ++cpu)
        if (CPU_ISSET(cpu, cpus)) mask |= uint64_t{1} << cpu;
    char text[24];
    std::snprintf(text, sizeof(text), "0x%llx", static_cast<unsigned long long>(mask));
    return text;
}

bool place_on_cpus(const ProcessAttributes& attrs, ChildError& err) noexcept {
    if (attrs.has_final_cpus) {
        if (::sched_setaffinity(0, sizeof(attrs.final_cpus), &attrs.final_cpus) != 0)
            return err.fail(errno, "sched_setaffinity (execCPUAffinity.final)");
        return true;
    }
    if (!attrs.reset_cpus) return true;
    cpu_set_t all;
    std::memset(&all, 0xff, sizeof(all));
    // As runc, a failure only leaves the inherited mask (it warns).
    (void)::sched_setaffinity(0, sizeof(all), &all);
    return true;
}

}  // namespace berth::process
