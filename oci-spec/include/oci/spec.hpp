// Types for the OCI runtime-spec 1.3 `config.json`.
//
// Optional properties are std::optional (or an empty container where the spec
// gives absence and emptiness the same meaning). Names follow the JSON keys so a
// reader can map a field to the spec at a glance. Unknown JSON properties are
// ignored by the parser, as the spec requires.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oci {

inline constexpr const char* kSpecVersion = "1.3.0";

// ---- process -------------------------------------------------------------

struct Box {
    uint32_t height = 0;
    uint32_t width = 0;
    bool operator==(const Box&) const = default;
};

struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;
    std::vector<uint32_t> additionalGids;
    std::optional<std::string> username;  // Windows-only in the spec; kept for round trips
    bool operator==(const User&) const = default;
};

struct Capabilities {
    std::optional<std::vector<std::string>> bounding;
    std::optional<std::vector<std::string>> effective;
    std::optional<std::vector<std::string>> inheritable;
    std::optional<std::vector<std::string>> permitted;
    std::optional<std::vector<std::string>> ambient;
    bool operator==(const Capabilities&) const = default;
};

struct Rlimit {
    std::string type;  // "RLIMIT_NOFILE", ...
    uint64_t hard = 0;
    uint64_t soft = 0;
    bool operator==(const Rlimit&) const = default;
};

struct Scheduler {
    std::string policy;  // SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE
    std::optional<int32_t> nice;
    std::optional<int32_t> priority;
    std::vector<std::string> flags;  // SCHED_FLAG_*
    std::optional<uint64_t> runtime;
    std::optional<uint64_t> deadline;
    std::optional<uint64_t> period;
    bool operator==(const Scheduler&) const = default;
};

struct IOPriority {
    std::string ioClass;  // IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE
    int32_t priority = 0;
    bool operator==(const IOPriority&) const = default;
};

struct ExecCPUAffinity {
    std::optional<std::string> initial;
    std::optional<std::string> final;
    bool operator==(const ExecCPUAffinity&) const = default;
};

struct Process {
    bool terminal = false;
    std::optional<Box> consoleSize;
    User user;
    std::vector<std::string> args;
    std::optional<std::string> commandLine;
    std::vector<std::string> env;
    std::string cwd;
    std::optional<Capabilities> capabilities;
    std::vector<Rlimit> rlimits;
    bool noNewPrivileges = false;
    std::optional<std::string> apparmorProfile;
    std::optional<int32_t> oomScoreAdj;
    std::optional<Scheduler> scheduler;
    std::optional<std::string> selinuxLabel;
    std::optional<IOPriority> ioPriority;
    std::optional<ExecCPUAffinity> execCPUAffinity;
    bool operator==(const Process&) const = default;
};

// ---- root, mounts, hooks -------------------------------------------------

struct Root {
    std::string path;
    bool readonly = false;
    bool operator==(const Root&) const = default;
};

struct IDMapping {
    uint32_t containerID = 0;
    uint32_t hostID = 0;
    uint32_t size = 0;
    bool operator==(const IDMapping&) const = default;
};

struct Mount {
    std::string destination;
    std::optional<std::string> source;
    std::optional<std::string> type;
    std::vector<std::string> options;
    std::vector<IDMapping> uidMappings;
    std::vector<IDMapping> gidMappings;
    bool operator==(const Mount&) const = default;
};

struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<int32_t> timeout;  // seconds, > 0
    bool operator==(const Hook&) const = default;
};

struct Hooks {
    std::vector<Hook> prestart;  // deprecated in the spec, still used by Docker
    std::vector<Hook> createRuntime;
    std::vector<Hook> createContainer;
    std::vector<Hook> startContainer;
    std::vector<Hook> poststart;
    std::vector<Hook> poststop;
    bool operator==(const Hooks&) const = default;
};

// ---- linux ---------------------------------------------------------------

enum class NamespaceType { pid, network, mount, ipc, uts, user, cgroup, time };

struct Namespace {
    NamespaceType type = NamespaceType::pid;
    std::optional<std::string> path;
    bool operator==(const Namespace&) const = default;
};

struct TimeOffset {
    int64_t secs = 0;
    uint32_t nanosecs = 0;
    bool operator==(const TimeOffset&) const = default;
};

struct Device {
    std::string type;  // "c", "b", "u" or "p"
    std::string path;
    int64_t major = 0;
    int64_t minor = 0;
    std::optional<uint32_t> fileMode;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
    bool operator==(const Device&) const = default;
};

struct NetDevice {
    std::optional<std::string> name;
    bool operator==(const NetDevice&) const = default;
};

struct DeviceCgroup {
    bool allow = false;
    std::optional<std::string> type;  // "a", "c" or "b"
    std::optional<int64_t> major;
    std::optional<int64_t> minor;
    std::optional<std::string> access;  // some of "rwm"
    bool operator==(const DeviceCgroup&) const = default;
};

struct Memory {
    std::optional<int64_t> limit;
    std::optional<int64_t> reservation;
    std::optional<int64_t> swap;
    std::optional<int64_t> kernel;
    std::optional<int64_t> kernelTCP;
    std::optional<uint64_t> swappiness;
    std::optional<bool> disableOOMKiller;
    std::optional<bool> useHierarchy;
    std::optional<bool> checkBeforeUpdate;
    bool operator==(const Memory&) const = default;
};

struct CPU {
    std::optional<uint64_t> shares;
    std::optional<int64_t> quota;
    std::optional<uint64_t> burst;
    std::optional<uint64_t> period;
    std::optional<int64_t> realtimeRuntime;
    std::optional<uint64_t> realtimePeriod;
    std::optional<std::string> cpus;
    std::optional<std::string> mems;
    std::optional<int64_t> idle;
    bool operator==(const CPU&) const = default;
};

struct Pids {
    std::optional<int64_t> limit;
    bool operator==(const Pids&) const = default;
};

struct WeightDevice {
    int64_t major = 0;
    int64_t minor = 0;
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leafWeight;
    bool operator==(const WeightDevice&) const = default;
};

struct ThrottleDevice {
    int64_t major = 0;
    int64_t minor = 0;
    uint64_t rate = 0;
    bool operator==(const ThrottleDevice&) const = default;
};

struct BlockIO {
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leafWeight;
    std::vector<WeightDevice> weightDevice;
    std::vector<ThrottleDevice> throttleReadBpsDevice;
    std::vector<ThrottleDevice> throttleWriteBpsDevice;
    std::vector<ThrottleDevice> throttleReadIOPSDevice;
    std::vector<ThrottleDevice> throttleWriteIOPSDevice;
    bool operator==(const BlockIO&) const = default;
};

struct HugepageLimit {
    std::string pageSize;  // "2MB", "1GB", ...
    uint64_t limit = 0;
    bool operator==(const HugepageLimit&) const = default;
};

struct InterfacePriority {
    std::string name;
    uint32_t priority = 0;
    bool operator==(const InterfacePriority&) const = default;
};

struct Network {
    std::optional<uint32_t> classID;
    std::vector<InterfacePriority> priorities;
    bool operator==(const Network&) const = default;
};

struct Rdma {
    std::optional<uint32_t> hcaHandles;
    std::optional<uint32_t> hcaObjects;
    bool operator==(const Rdma&) const = default;
};

struct Resources {
    std::vector<DeviceCgroup> devices;
    std::optional<Memory> memory;
    std::optional<CPU> cpu;
    std::optional<Pids> pids;
    std::optional<BlockIO> blockIO;
    std::vector<HugepageLimit> hugepageLimits;
    std::optional<Network> network;
    std::map<std::string, Rdma> rdma;
    std::map<std::string, std::string> unified;
    bool operator==(const Resources&) const = default;
};

struct IntelRdt {
    std::optional<std::string> closID;
    std::optional<std::string> l3CacheSchema;
    std::optional<std::string> memBwSchema;
    std::vector<std::string> schemata;
    std::optional<bool> enableMonitoring;
    bool operator==(const IntelRdt&) const = default;
};

struct SeccompArg {
    uint32_t index = 0;
    uint64_t value = 0;
    uint64_t valueTwo = 0;
    std::string op;  // SCMP_CMP_NE, SCMP_CMP_LT, ... SCMP_CMP_MASKED_EQ
    bool operator==(const SeccompArg&) const = default;
};

struct SeccompSyscall {
    std::vector<std::string> names;
    std::string action;  // SCMP_ACT_*
    std::optional<uint32_t> errnoRet;
    std::vector<SeccompArg> args;
    bool operator==(const SeccompSyscall&) const = default;
};

struct Seccomp {
    std::string defaultAction;
    std::optional<uint32_t> defaultErrnoRet;
    std::vector<std::string> architectures;  // SCMP_ARCH_*
    // SECCOMP_FILTER_FLAG_*. Absent (or null) is not empty: runc 1.2+ then
    // loads the filter with SPEC_ALLOW where the kernel has it.
    std::optional<std::vector<std::string>> flags;
    std::optional<std::string> listenerPath;
    std::optional<std::string> listenerMetadata;
    std::vector<SeccompSyscall> syscalls;
    bool operator==(const Seccomp&) const = default;
};

struct Personality {
    std::string domain;  // LINUX or LINUX32
    std::vector<std::string> flags;
    bool operator==(const Personality&) const = default;
};

struct MemoryPolicy {
    std::string mode;  // MPOL_DEFAULT, MPOL_BIND, ...
    std::optional<std::string> nodes;
    std::vector<std::string> flags;  // MPOL_F_*
    bool operator==(const MemoryPolicy&) const = default;
};

struct Linux {
    std::vector<Namespace> namespaces;
    std::vector<IDMapping> uidMappings;
    std::vector<IDMapping> gidMappings;
    std::map<std::string, TimeOffset> timeOffsets;  // "monotonic", "boottime"
    std::vector<Device> devices;
    std::map<std::string, NetDevice> netDevices;
    std::optional<std::string> cgroupsPath;
    std::optional<Resources> resources;
    std::optional<IntelRdt> intelRdt;
    std::map<std::string, std::string> sysctl;
    std::optional<Seccomp> seccomp;
    std::optional<std::string> rootfsPropagation;
    std::vector<std::string> maskedPaths;
    std::vector<std::string> readonlyPaths;
    std::optional<std::string> mountLabel;
    std::optional<Personality> personality;
    std::optional<MemoryPolicy> memoryPolicy;
    bool operator==(const Linux&) const = default;
};

// ---- the whole config ----------------------------------------------------

struct Spec {
    std::string ociVersion;
    std::optional<Process> process;
    std::optional<Root> root;
    std::optional<std::string> hostname;
    std::optional<std::string> domainname;
    std::vector<Mount> mounts;
    std::optional<Hooks> hooks;
    std::map<std::string, std::string> annotations;
    std::optional<Linux> linux;
    bool operator==(const Spec&) const = default;
};

// ---- runtime documents ---------------------------------------------------

// state.json as `berth state` prints it (runtime-spec state plus runc's extras).
struct State {
    std::string ociVersion;
    std::string id;
    std::string status;  // creating, created, running, paused, stopped
    int pid = 0;
    std::string bundle;
    std::string rootfs;
    std::string created;  // RFC 3339 with nanoseconds
    std::string owner;
    std::map<std::string, std::string> annotations;
    bool operator==(const State&) const = default;
};

// What a seccomp listener (linux.seccomp.listenerPath) receives with the
// notify fd: runtime-spec config-linux.md "containerProcessState".
struct ContainerProcessState {
    std::string ociVersion;
    std::vector<std::string> fds;         // names of the fds sent along: ["seccompFd"]
    int pid = 0;                          // the process that loaded the filter
    std::optional<std::string> metadata;  // listenerMetadata; omitted when unset
    State state;
    bool operator==(const ContainerProcessState&) const = default;
};

// The features document (runtime-spec features.md).
struct Features {
    std::string ociVersionMin;
    std::string ociVersionMax;
    std::vector<std::string> hooks;
    std::vector<std::string> mountOptions;
    struct Linux {
        std::vector<std::string> namespaces;
        std::vector<std::string> capabilities;
        struct Cgroup {
            bool v1 = false;
            bool v2 = false;
            bool systemd = false;
            bool systemdUser = false;
            bool rdma = false;
            bool operator==(const Cgroup&) const = default;
        } cgroup;
        struct Seccomp {
            bool enabled = false;
            std::vector<std::string> actions;
            std::vector<std::string> operators;
            std::vector<std::string> archs;
            std::vector<std::string> knownFlags;
            std::vector<std::string> supportedFlags;
            bool operator==(const Seccomp&) const = default;
        } seccomp;
        bool apparmor = false;
        bool selinux = false;
        struct IntelRdt {
            bool enabled = false;
            bool schemata = false;    // linux.intelRdt.schemata
            bool monitoring = false;  // linux.intelRdt.enableMonitoring
            bool operator==(const IntelRdt&) const = default;
        } intelRdt;
        struct MemoryPolicy {
            std::vector<std::string> modes;
            std::vector<std::string> flags;
            bool operator==(const MemoryPolicy&) const = default;
        } memoryPolicy;
        bool idmapMounts = false;
        bool netDevices = false;
        bool operator==(const Linux&) const = default;
    } linux;
    std::map<std::string, std::string> annotations;
    // Config annotations (or prefixes, ending in '.') that change what the
    // runtime does: a manager passing user annotations through filters them.
    std::vector<std::string> potentiallyUnsafeConfigAnnotations;
    bool operator==(const Features&) const = default;
};

const char* to_string(NamespaceType type);
// The type named `name` ("pid", "network", ...), or nullopt.
std::optional<NamespaceType> namespace_type(std::string_view name);

}  // namespace oci
