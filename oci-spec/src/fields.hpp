// The field list of every spec struct, written once and walked by both the
// JSON reader (json_reader.hpp) and the JSON writer (json_writer.hpp).
//
// A visitor `v` offers:
//   v("key", field, rules...)           optional property: absent/null leaves the
//                                       default; written unless it is an unset
//                                       std::optional or an empty container
//   v.required("key", field, rules...)  must be present; always written
//   v.nested("key", [&](auto& n) {...}) a JSON sub-object with no struct of its own
// Rules (rules.hpp) validate values on read; the writer ignores them.
#pragma once

#include <concepts>
#include <type_traits>

#include "oci/spec.hpp"
#include "rules.hpp"

namespace oci::detail {

// `S` is `T` or `const T`: one field list serves the reader and the writer.
template <class S, class T>
concept Like = std::same_as<std::remove_const_t<S>, T>;

// ---- process -------------------------------------------------------------

template <class V, Like<Box> S>
void fields(V& v, S& s) {
    v.required("height", s.height);
    v.required("width", s.width);
}

template <class V, Like<User> S>
void fields(V& v, S& s) {
    v("uid", s.uid);
    v("gid", s.gid);
    v("umask", s.umask);
    v("additionalGids", s.additionalGids);
    v("username", s.username);
}

template <class V, Like<Capabilities> S>
void fields(V& v, S& s) {
    v("bounding", s.bounding);
    v("effective", s.effective);
    v("inheritable", s.inheritable);
    v("permitted", s.permitted);
    v("ambient", s.ambient);
}

template <class V, Like<Rlimit> S>
void fields(V& v, S& s) {
    v.required("type", s.type, kRlimitTypes);
    v.required("hard", s.hard);
    v.required("soft", s.soft);
}

template <class V, Like<Scheduler> S>
void fields(V& v, S& s) {
    v.required("policy", s.policy, kSchedulerPolicies);
    v("nice", s.nice);
    v("priority", s.priority);
    v("flags", s.flags, kSchedulerFlags);
    v("runtime", s.runtime);
    v("deadline", s.deadline);
    v("period", s.period);
}

template <class V, Like<IOPriority> S>
void fields(V& v, S& s) {
    v.required("class", s.ioClass, kIOPriorityClasses);
    v("priority", s.priority);
}

template <class V, Like<ExecCPUAffinity> S>
void fields(V& v, S& s) {
    v("initial", s.initial, kCpuList);
    v("final", s.final, kCpuList);
}

template <class V, Like<Process> S>
void fields(V& v, S& s) {
    v("terminal", s.terminal);
    v("consoleSize", s.consoleSize);
    v("user", s.user);
    v("args", s.args);
    v("commandLine", s.commandLine);
    v("env", s.env);
    v.required("cwd", s.cwd);
    v("capabilities", s.capabilities);
    v("rlimits", s.rlimits, kDistinctRlimits);
    v("noNewPrivileges", s.noNewPrivileges);
    v("apparmorProfile", s.apparmorProfile);
    v("oomScoreAdj", s.oomScoreAdj);
    v("scheduler", s.scheduler);
    v("selinuxLabel", s.selinuxLabel);
    v("ioPriority", s.ioPriority);
    v("execCPUAffinity", s.execCPUAffinity);
}

// ---- root, mounts, hooks -------------------------------------------------

template <class V, Like<Root> S>
void fields(V& v, S& s) {
    v.required("path", s.path);
    v("readonly", s.readonly);
}

template <class V, Like<IDMapping> S>
void fields(V& v, S& s) {
    v.required("containerID", s.containerID);
    v.required("hostID", s.hostID);
    v.required("size", s.size);
}

template <class V, Like<Mount> S>
void fields(V& v, S& s) {
    v.required("destination", s.destination);
    v("type", s.type);
    v("source", s.source);
    v("options", s.options);
    v("uidMappings", s.uidMappings);
    v("gidMappings", s.gidMappings);
}

template <class V, Like<Hook> S>
void fields(V& v, S& s) {
    v.required("path", s.path);
    v("args", s.args);
    v("env", s.env);
    v("timeout", s.timeout, kPositive);
}

template <class V, Like<Hooks> S>
void fields(V& v, S& s) {
    v("prestart", s.prestart);
    v("createRuntime", s.createRuntime);
    v("createContainer", s.createContainer);
    v("startContainer", s.startContainer);
    v("poststart", s.poststart);
    v("poststop", s.poststop);
}

// ---- linux ---------------------------------------------------------------

template <class V, Like<Namespace> S>
void fields(V& v, S& s) {
    v.required("type", s.type);
    v("path", s.path);
}

template <class V, Like<TimeOffset> S>
void fields(V& v, S& s) {
    v("secs", s.secs);
    v("nanosecs", s.nanosecs);
}

template <class V, Like<Device> S>
void fields(V& v, S& s) {
    v.required("type", s.type, kDeviceTypes);
    v.required("path", s.path);
    v("major", s.major);
    v("minor", s.minor);
    v("fileMode", s.fileMode);
    v("uid", s.uid);
    v("gid", s.gid);
}

template <class V, Like<NetDevice> S>
void fields(V& v, S& s) {
    v("name", s.name);
}

template <class V, Like<DeviceCgroup> S>
void fields(V& v, S& s) {
    v.required("allow", s.allow);
    v("type", s.type, kDeviceCgroupTypes);
    v("major", s.major);
    v("minor", s.minor);
    // Any letters, as runc: its own update.bats sends "rwa"; the cgroup code keeps only r, w and m.
    v("access", s.access);
}

template <class V, Like<Memory> S>
void fields(V& v, S& s) {
    v("limit", s.limit);
    v("reservation", s.reservation);
    v("swap", s.swap);
    v("kernel", s.kernel);
    v("kernelTCP", s.kernelTCP);
    v("swappiness", s.swappiness);
    v("disableOOMKiller", s.disableOOMKiller);
    v("useHierarchy", s.useHierarchy);
    v("checkBeforeUpdate", s.checkBeforeUpdate);
}

template <class V, Like<CPU> S>
void fields(V& v, S& s) {
    v("shares", s.shares);
    v("quota", s.quota);
    v("burst", s.burst);
    v("period", s.period);
    v("realtimeRuntime", s.realtimeRuntime);
    v("realtimePeriod", s.realtimePeriod);
    v("cpus", s.cpus, kCpuList);
    v("mems", s.mems, kCpuList);
    v("idle", s.idle);
}

template <class V, Like<Pids> S>
void fields(V& v, S& s) {
    v("limit", s.limit);
}

template <class V, Like<WeightDevice> S>
void fields(V& v, S& s) {
    v.required("major", s.major);
    v.required("minor", s.minor);
    v("weight", s.weight);
    v("leafWeight", s.leafWeight);
}

template <class V, Like<ThrottleDevice> S>
void fields(V& v, S& s) {
    v.required("major", s.major);
    v.required("minor", s.minor);
    v("rate", s.rate);
}

template <class V, Like<BlockIO> S>
void fields(V& v, S& s) {
    v("weight", s.weight);
    v("leafWeight", s.leafWeight);
    v("weightDevice", s.weightDevice);
    v("throttleReadBpsDevice", s.throttleReadBpsDevice);
    v("throttleWriteBpsDevice", s.throttleWriteBpsDevice);
    v("throttleReadIOPSDevice", s.throttleReadIOPSDevice);
    v("throttleWriteIOPSDevice", s.throttleWriteIOPSDevice);
}

template <class V, Like<HugepageLimit> S>
void fields(V& v, S& s) {
    v.required("pageSize", s.pageSize);
    v.required("limit", s.limit);
}

template <class V, Like<InterfacePriority> S>
void fields(V& v, S& s) {
    v.required("name", s.name);
    v.required("priority", s.priority);
}

template <class V, Like<Network> S>
void fields(V& v, S& s) {
    v("classID", s.classID);
    v("priorities", s.priorities);
}

template <class V, Like<Rdma> S>
void fields(V& v, S& s) {
    v("hcaHandles", s.hcaHandles);
    v("hcaObjects", s.hcaObjects);
}

template <class V, Like<Resources> S>
void fields(V& v, S& s) {
    v("devices", s.devices);
    v("memory", s.memory);
    v("cpu", s.cpu);
    v("pids", s.pids);
    v("blockIO", s.blockIO);
    v("hugepageLimits", s.hugepageLimits);
    v("network", s.network);
    v("rdma", s.rdma);
    v("unified", s.unified);
}

template <class V, Like<IntelRdt> S>
void fields(V& v, S& s) {
    v("closID", s.closID);
    v("l3CacheSchema", s.l3CacheSchema);
    v("memBwSchema", s.memBwSchema);
    v("schemata", s.schemata);
    v("enableMonitoring", s.enableMonitoring);
}

template <class V, Like<SeccompArg> S>
void fields(V& v, S& s) {
    v.required("index", s.index);
    v.required("value", s.value);
    v("valueTwo", s.valueTwo);
    v.required("op", s.op, kSeccompOperators);
}

template <class V, Like<SeccompSyscall> S>
void fields(V& v, S& s) {
    v.required("names", s.names);
    v.required("action", s.action, kSeccompActions);
    v("errnoRet", s.errnoRet);
    v("args", s.args);
}

template <class V, Like<Seccomp> S>
void fields(V& v, S& s) {
    v.required("defaultAction", s.defaultAction, kSeccompActions);
    v("defaultErrnoRet", s.defaultErrnoRet);
    v("architectures", s.architectures, kSeccompArchs);
    v("flags", s.flags, kSeccompFlags);
    v("listenerPath", s.listenerPath);
    v("listenerMetadata", s.listenerMetadata);
    v("syscalls", s.syscalls);
}

template <class V, Like<Personality> S>
void fields(V& v, S& s) {
    v.required("domain", s.domain, kPersonalityDomains);
    v("flags", s.flags);
}

template <class V, Like<MemoryPolicy> S>
void fields(V& v, S& s) {
    v.required("mode", s.mode, kMemoryPolicyModes);
    v("nodes", s.nodes);
    v("flags", s.flags, kMemoryPolicyFlags);
}

template <class V, Like<Linux> S>
void fields(V& v, S& s) {  // in the order of runc's Go struct, so `spec` output matches runc's
    v("uidMappings", s.uidMappings);
    v("gidMappings", s.gidMappings);
    v("timeOffsets", s.timeOffsets, kTimeOffsetClocks);
    v("sysctl", s.sysctl);
    v("resources", s.resources);
    v("cgroupsPath", s.cgroupsPath);
    v("namespaces", s.namespaces, kDistinctNamespaces);
    v("devices", s.devices);
    v("netDevices", s.netDevices);
    v("seccomp", s.seccomp);
    v("rootfsPropagation", s.rootfsPropagation, kRootfsPropagations);
    v("maskedPaths", s.maskedPaths);
    v("readonlyPaths", s.readonlyPaths);
    v("mountLabel", s.mountLabel);
    v("intelRdt", s.intelRdt);
    v("personality", s.personality);
    v("memoryPolicy", s.memoryPolicy);
}

// ---- documents -----------------------------------------------------------

template <class V, Like<Spec> S>
void fields(V& v, S& s) {
    v.required("ociVersion", s.ociVersion);
    v("process", s.process);
    v("root", s.root);
    v("hostname", s.hostname);
    v("domainname", s.domainname);
    v("mounts", s.mounts);
    v("hooks", s.hooks);
    v("annotations", s.annotations);
    v("linux", s.linux);
}

// runc's shape and order: every key but annotations is always present.
template <class V, Like<State> S>
void fields(V& v, S& s) {
    v.required("ociVersion", s.ociVersion);
    v.required("id", s.id);
    v("pid", s.pid);
    v.required("status", s.status, kContainerStatuses);
    v.required("bundle", s.bundle);
    v("rootfs", s.rootfs);
    v("created", s.created);
    v("annotations", s.annotations);
    v("owner", s.owner);
}

template <class V, Like<ContainerProcessState> S>
void fields(V& v, S& s) {
    v.required("ociVersion", s.ociVersion);
    v.required("fds", s.fds);
    v.required("pid", s.pid);
    v("metadata", s.metadata);
    v.required("state", s.state);
}

template <class V, Like<Features::Linux::Cgroup> S>
void fields(V& v, S& s) {
    v("v1", s.v1);
    v("v2", s.v2);
    v("systemd", s.systemd);
    v("systemdUser", s.systemdUser);
    v("rdma", s.rdma);
}

template <class V, Like<Features::Linux::Seccomp> S>
void fields(V& v, S& s) {
    v("enabled", s.enabled);
    v("actions", s.actions);
    v("operators", s.operators);
    v("archs", s.archs);
    v("knownFlags", s.knownFlags);
    v("supportedFlags", s.supportedFlags);
}

template <class V, Like<Features::Linux::IntelRdt> S>
void fields(V& v, S& s) {
    v("enabled", s.enabled);
    v("schemata", s.schemata);
    v("monitoring", s.monitoring);
}

template <class V, Like<Features::Linux::MemoryPolicy> S>
void fields(V& v, S& s) {
    v("modes", s.modes);
    v("flags", s.flags);
}

// The document wraps single booleans in objects ({"apparmor": {"enabled": true}}).
template <class V, Like<Features::Linux> S>
void fields(V& v, S& s) {
    auto enabled = [&v](const char* key, auto& flag) {
        v.nested(key, [&flag](auto& n) { n("enabled", flag); });
    };
    v("namespaces", s.namespaces);
    v("capabilities", s.capabilities);
    v("cgroup", s.cgroup);
    v("seccomp", s.seccomp);
    enabled("apparmor", s.apparmor);
    enabled("selinux", s.selinux);
    v("intelRdt", s.intelRdt);
    v("memoryPolicy", s.memoryPolicy);
    v.nested("mountExtensions", [&](auto& m) {
        m.nested("idmap", [&](auto& n) { n("enabled", s.idmapMounts); });
    });
    enabled("netDevices", s.netDevices);
}

template <class V, Like<Features> S>
void fields(V& v, S& s) {
    v.required("ociVersionMin", s.ociVersionMin);
    v.required("ociVersionMax", s.ociVersionMax);
    v("hooks", s.hooks);
    v("mountOptions", s.mountOptions);
    v("linux", s.linux);
    v("annotations", s.annotations);
    v("potentiallyUnsafeConfigAnnotations", s.potentiallyUnsafeConfigAnnotations);
}

}  // namespace oci::detail
