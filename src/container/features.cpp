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

#include "berth/version.hpp"

namespace berth::container {

oci::Features runtime_features() {
    oci::Features f;
    f.ociVersionMin = "1.0.0";
    f.ociVersionMax = oci::kSpecVersion;

    // Nothing below is implemented end to end yet.
    f.hooks = {};
    f.mountOptions = {};
    f.linux.namespaces = {};
    f.linux.capabilities = {};
    f.linux.cgroup = {};
    f.linux.seccomp.enabled = false;
    f.linux.apparmor = false;
    f.linux.selinux = false;
    f.linux.intelRdt = false;
    f.linux.idmapMounts = false;

    // runc's annotation for the libseccomp linked in, and berth's own version.
    if (const scmp_version* v = seccomp_version()) {
        f.annotations["io.github.seccomp.libseccomp.version"] =
            std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
    }
    f.annotations["io.github.berth.version"] = kVersion;
    f.annotations["io.github.berth.commit"] = kCommit;
    return f;
}

}  // namespace berth::container
