// The enumerations the runtime-spec fixes, as the parser accepts them. `berth
// features` and `berth check` can list them; what berth actually implements
// of each is for those commands to say.
#pragma once

#include <string_view>

namespace oci::names {

// Indexed by oci::NamespaceType.
inline constexpr std::string_view kNamespaceTypeNames[] = {"pid", "network", "mount", "ipc",
                                                          "uts", "user",    "cgroup", "time"};
inline constexpr std::string_view kRlimitTypeNames[] = {
    "RLIMIT_AS",      "RLIMIT_CORE",   "RLIMIT_CPU",    "RLIMIT_DATA",       "RLIMIT_FSIZE",  "RLIMIT_LOCKS",
    "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE",     "RLIMIT_NPROC",  "RLIMIT_RSS",
    "RLIMIT_RTPRIO",  "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK"};
inline constexpr std::string_view kSchedulerPolicyNames[] = {"SCHED_OTHER", "SCHED_FIFO",  "SCHED_RR",      "SCHED_BATCH",
                                                            "SCHED_ISO",   "SCHED_IDLE",  "SCHED_DEADLINE"};
inline constexpr std::string_view kSchedulerFlagNames[] = {
    "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",       "SCHED_FLAG_DL_OVERRUN",    "SCHED_FLAG_KEEP_POLICY",
    "SCHED_FLAG_KEEP_PARAMS",   "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX"};
inline constexpr std::string_view kIOPriorityClassNames[] = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"};
inline constexpr std::string_view kDeviceTypeNames[] = {"c", "b", "u", "p"};
inline constexpr std::string_view kDeviceCgroupTypeNames[] = {"a", "c", "b"};
inline constexpr std::string_view kSeccompActionNames[] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",        "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY"};
inline constexpr std::string_view kSeccompOperatorNames[] = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
                                                            "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
inline constexpr std::string_view kSeccompArchNames[] = {
    "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",     "SCMP_ARCH_ARM",       "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",      "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X",    "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",  "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",     "SCMP_ARCH_SH",          "SCMP_ARCH_SHEB"};
inline constexpr std::string_view kSeccompFlagNames[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                                        "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                                        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
inline constexpr std::string_view kPersonalityDomainNames[] = {"LINUX", "LINUX32"};
inline constexpr std::string_view kMemoryPolicyModeNames[] = {
    "MPOL_DEFAULT",   "MPOL_BIND",           "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
    "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL"};
inline constexpr std::string_view kMemoryPolicyFlagNames[] = {"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES",
                                                             "MPOL_F_STATIC_NODES"};
// The spec names the four; runc also accepts the recursive forms, and so do we.
inline constexpr std::string_view kRootfsPropagationNames[] = {"private", "shared",  "slave",  "unbindable",
                                                              "rprivate", "rshared", "rslave", "runbindable"};
inline constexpr std::string_view kTimeOffsetClockNames[] = {"monotonic", "boottime"};
inline constexpr std::string_view kContainerStatusNames[] = {"creating", "created", "running", "paused", "stopped"};

}  // namespace oci::names
