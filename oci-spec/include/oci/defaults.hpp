// The default config.json of `berth spec`: runc's `runc spec` document
// (busybox-friendly `sh`, a read-only rootfs, the usual pseudo filesystems),
// with berth's ociVersion.
#pragma once

#include <cstdint>

#include "oci/spec.hpp"

namespace oci {

// With `rootless`, as `runc spec --rootless`: a user namespace that maps
// container root to host_uid/host_gid, no network namespace, /sys bind-mounted
// (sysfs cannot be mounted without owning the network namespace), no device
// cgroup rules and no devpts gid option.
Spec default_config(bool rootless, uint32_t host_uid, uint32_t host_gid);
// host_uid/host_gid are the caller's effective ids.
Spec default_config(bool rootless);

// As `runc spec` on a cgroup v2 (unified) host, rootless or not: a cgroup
// namespace too, right after the mount namespace (so before a rootless spec's
// user namespace, where runc's list has it).
void add_cgroup_namespace(Spec& spec);

}  // namespace oci
