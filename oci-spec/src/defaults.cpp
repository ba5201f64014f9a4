#include "oci/defaults.hpp"

#include <unistd.h>

#include <algorithm>
#include <utility>

namespace oci {

namespace {

Mount mount(std::string destination, std::string type, std::string source, std::vector<std::string> options) {
    Mount m;
    m.destination = std::move(destination);
    m.type = std::move(type);
    m.source = std::move(source);
    m.options = std::move(options);
    return m;
}

Process default_process() {
    const std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    Process p;
    p.terminal = true;
    p.args = {"sh"};
    p.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
    p.cwd = "/";
    // No ambient set: without inheritable ones none could be raised (runc 1.3's
    // `runc spec` dropped it, and runtimes warn about each).
    p.capabilities = Capabilities{caps, caps, std::nullopt, caps, std::nullopt};
    p.rlimits = {Rlimit{"RLIMIT_NOFILE", 1024, 1024}};
    p.noNewPrivileges = true;
    return p;
}

std::vector<Mount> default_mounts(bool rootless) {
    std::vector<std::string> devpts = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"};
    if (!rootless) devpts.push_back("gid=5");
    const std::vector<std::string> nosuid_noexec_nodev = {"nosuid", "noexec", "nodev"};
    std::vector<Mount> mounts = {
        mount("/proc", "proc", "proc", {}),
        mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        mount("/dev/pts", "devpts", "devpts", devpts),
        mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        mount("/dev/mqueue", "mqueue", "mqueue", nosuid_noexec_nodev),
        rootless ? mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"})
                 : mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
        mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
    };
    return mounts;
}

Linux default_linux(bool rootless, uint32_t host_uid, uint32_t host_gid) {
    using NS = NamespaceType;
    Linux l;
    if (rootless) {
        l.uidMappings = {IDMapping{0, host_uid, 1}};
        l.gidMappings = {IDMapping{0, host_gid, 1}};
        l.namespaces = {{NS::pid, {}}, {NS::ipc, {}}, {NS::uts, {}}, {NS::mount, {}}, {NS::user, {}}};
    } else {
        Resources resources;
        resources.devices = {DeviceCgroup{false, std::nullopt, std::nullopt, std::nullopt, "rwm"}};
        l.resources = std::move(resources);
        l.namespaces = {{NS::pid, {}}, {NS::network, {}}, {NS::ipc, {}}, {NS::uts, {}}, {NS::mount, {}}};
    }
    l.maskedPaths = {"/proc/acpi",          "/proc/asound",      "/proc/kcore",       "/proc/keys",
                     "/proc/latency_stats", "/proc/timer_list",  "/proc/timer_stats", "/proc/sched_debug",
                     "/sys/firmware",       "/proc/scsi"};
    l.readonlyPaths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    return l;
}

}  // namespace

Spec default_config(bool rootless, uint32_t host_uid, uint32_t host_gid) {
    Spec spec;
    spec.ociVersion = kSpecVersion;
    spec.process = default_process();
    spec.root = Root{"rootfs", true};
    spec.hostname = "runc";
    spec.mounts = default_mounts(rootless);
    spec.linux = default_linux(rootless, host_uid, host_gid);
    return spec;
}

Spec default_config(bool rootless) { return default_config(rootless, ::geteuid(), ::getegid()); }

void add_cgroup_namespace(Spec& spec) {
    auto& namespaces = spec.linux->namespaces;
    auto mount = std::find_if(namespaces.begin(), namespaces.end(),
                              [](const Namespace& ns) { return ns.type == NamespaceType::mount; });
    namespaces.insert(mount == namespaces.end() ? mount : mount + 1, Namespace{NamespaceType::cgroup, {}});
}

}  // namespace oci
