// The one table of what berth implements, end to end (a container created by
// `berth create`/`run` really gets it). Whoever makes a feature work adds it
// here in the same commit, e.g. the namespace types that clone3 sets up, the
// hook kinds that run, the mount options the rootfs code applies,
// linux_setup::known_capability_names() once capabilities are applied,
// seccomp_known_*() once filters are loaded, cgroup.v1 once the v1 manager
// limits a container. Listing something that does not work makes managers
// rely on it, so when in doubt leave it out.
#include "berth/container/features.hpp"

#include <seccomp.h>

#include <string>

#include "berth/cgroups/systemd_annotations.hpp"
#include "berth/container/criu_setup.hpp"
#include "berth/linux/capabilities.hpp"
#include "berth/linux/mount_options.hpp"
#include "berth/linux/seccomp.hpp"
#include "berth/process/attributes.hpp"
#include "berth/version.hpp"

namespace berth::container {

oci::Features runtime_features() {
    oci::Features f;
    f.ociVersionMin = "1.0.0";
    f.ociVersionMax = oci::kSpecVersion;

    // Run at their points of the lifecycle (src/container/{create,start,signal}.cpp, src/process/child.cpp).
    f.hooks = {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};
    // Created by clone3 or joined by path (src/linux/namespaces.cpp).
    f.linux.namespaces = {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"};

    // Applied by the rootfs code (src/linux/mount_*.cpp), idmap mounts included (tests/integration/rootfs_*).
    for (std::string_view name : linux_setup::known_mount_option_names()) f.mountOptions.emplace_back(name);
    f.linux.idmapMounts = true;
    // cgroupfs v1/hybrid on this host, unified v2 in tests/cgroupv2-vm; the
    // systemd driver on v2 (src/cgroups/systemd_manager.cpp, tests/systemd-vm),
    // rootless with the user's manager (tests/systemd-vm/checks/rootless.sh).
    f.linux.cgroup.v1 = true;
    f.linux.cgroup.v2 = true;
    f.linux.cgroup.systemd = true;
    f.linux.cgroup.systemdUser = true;
    // rdma.max written (v2, and v1 where an rdma hierarchy is mounted); the VM test
    // checks the kernel answer comes back naming the file and the value.
    f.linux.cgroup.rdma = true;

    // Labels are applied where the LSM runs (src/linux/lsm.cpp, the mount
    // label in src/linux/rootfs_plan.cpp) and refused where it does not (as
    // runc 1.1 fails), but never ran end to end on a host with AppArmor or
    // SELinux: not claimed until they have.
    f.linux.apparmor = false;
    f.linux.selinux = false;
    // On resctrl (src/linux/resctrl.cpp): schemata and MON groups, refused where resctrl is not mounted.
    // Unit-tested on a prepared tree; no host with resctrl has run it end to end yet.
    f.linux.intelRdt = {true, true, true};
    // set_mempolicy in the init and exec'd processes (src/process/attributes.cpp, tests/integration/memory_policy_test.cpp).
    for (std::string_view name : process::memory_policy_mode_names()) f.linux.memoryPolicy.modes.emplace_back(name);
    for (std::string_view name : process::memory_policy_flag_names()) f.linux.memoryPolicy.flags.emplace_back(name);
    // Moved before the process starts (src/linux/net_devices.cpp, tests/integration/net_devices_test.cpp).
    f.linux.netDevices = true;

    // Applied by create/start (src/process/child.cpp), tested in tests/security.
    for (std::string_view name : linux_setup::known_capability_names()) f.linux.capabilities.emplace_back(name);
    f.linux.seccomp.enabled = true;
    auto strings = [](const std::vector<std::string_view>& names) {
        return std::vector<std::string>(names.begin(), names.end());
    };
    f.linux.seccomp.actions = strings(linux_setup::seccomp_known_actions());
    f.linux.seccomp.operators = strings(linux_setup::seccomp_known_operators());
    f.linux.seccomp.archs = strings(linux_setup::seccomp_known_architectures());
    f.linux.seccomp.knownFlags = strings(linux_setup::seccomp_known_flags());
    f.linux.seccomp.supportedFlags = strings(linux_setup::seccomp_supported_flags());

    // runc's annotation for the libseccomp linked in, and berth's own version.
    if (const scmp_version* v = seccomp_version()) {
        f.annotations["io.github.seccomp.libseccomp.version"] =
            std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
    }
    // Unit properties for the systemd driver (cgroups/systemd_annotations.hpp), and, as
    // runc 1.2+ lists it, the CRIU configuration file that CRIU (as root) reads.
    f.potentiallyUnsafeConfigAnnotations = {std::string(cgroups::systemd::kPropertyAnnotationPrefix), kCriuConfigAnnotation};
    // runc's key for a runtime whose checkpoint and restore work (with CRIU, container/checkpoint.hpp).
    f.annotations["org.opencontainers.runc.checkpoint.enabled"] = "true";
    f.annotations["io.github.berth.version"] = kVersion;
    f.annotations["io.github.berth.commit"] = kCommit;
    return f;
}

}  // namespace berth::container
