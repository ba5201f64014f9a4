// Mounts of type "cgroup"/"cgroup2": the container's view of its cgroups.
//
// As runc does: on a cgroup v1 (or hybrid) host, a tmpfs at the destination
// holding one directory per v1 hierarchy: with a cgroup namespace a fresh
// cgroupfs mount of that hierarchy, without one a bind of the container's own
// cgroup directory (from /proc/self/cgroup). Co-mounted controllers get
// symlinks ("cpu" -> "cpu,cpuacct"). On a cgroup v2 host a cgroup2 mount, or a
// bind of the container's cgroup without a namespace, or when the kernel
// refuses the cgroup2 mount with EPERM or EBUSY (runc's fallback: a rootless
// container whose /sys is a bind of the host's already has the host's cgroup2
// there, and the same filesystem cannot be mounted on its own root). Rootless
// without a cgroup of its own (RootfsPlan::no_own_cgroup) that fallback masks
// the destination with an empty read-only tmpfs, as runc does when the cgroup
// it would bind does not exist.
#pragma once

#include <string_view>
#include <vector>

#include "berth/linux/rootfs_plan.hpp"
#include "berth/util/child_error.hpp"

namespace berth::linux_setup {

// Parent: the v1 hierarchies in a /proc/self/mountinfo text. `controllers`
// lists the kernel's v1 controller names (first column of /proc/cgroups);
// "name=" hierarchies are always kept.
std::vector<CgroupHierarchy> parse_cgroup_v1_mounts(std::string_view mountinfo,
                                                    const std::vector<std::string>& controllers);

// Whether the plan mounts cgroup2 in a cgroup namespace (new or joined by
// path): then the child must keep its cgroup before it enters that namespace,
// and so wait until it is in its cgroup.
bool mounts_cgroup2_in_namespace(const RootfsPlan& plan) noexcept;

// Child, once in its cgroup and before it enters its cgroup namespace: keeps
// /proc/self/cgroup for the cgroup2 fallback, when the plan mounts cgroup2 in
// a cgroup namespace (there /proc/self/cgroup only shows the namespace's view).
bool save_cgroups_before_namespace(RootfsPlan& plan, ChildError& err) noexcept;

// Child: performs one planned cgroup mount at `target_fd` (an O_PATH fd of the
// destination directory inside the rootfs).
bool mount_cgroups(const RootfsPlan& plan, const PlannedMount& mount, int root_fd, int target_fd,
                   ChildError& err) noexcept;

}  // namespace berth::linux_setup
