// RootfsPlan: everything the child needs to build the container's filesystem,
// computed by plan_rootfs() in the parent before clone. The child only reads it
// (strings are used through c_str(), nothing is allocated after clone), but for
// the fixed buffer cgroups_before_namespace.
#pragma once

#include <sys/types.h>

#include <array>
#include <string>
#include <vector>

#include "berth/linux/syscalls.hpp"
#include "berth/linux/mount_options.hpp"
#include "berth/util/fd.hpp"

namespace berth::linux_setup {

enum class MountKind : unsigned char {
    filesystem,  // mount(2) of `type` (proc, tmpfs, sysfs, devpts, mqueue, ...)
    bind,        // open_tree(OPEN_TREE_CLONE) of `source` + mount_setattr + move_mount
    cgroup,      // the container's view of the cgroup hierarchies (type "cgroup"/"cgroup2")
};

struct PlannedMount {
    MountKind kind = MountKind::filesystem;
    std::string destination;  // cleaned absolute path inside the container, e.g. "/dev/pts"
    std::string source;       // binds: absolute host path (relative ones resolved against the bundle)
    std::string type;         // filesystem type for mount(2); empty for binds
    unsigned long flags = 0;  // MS_* for mount(2) (filesystem mounts and remounts)
    MountOptions options;     // the parsed options (data, propagation, recursive attrs, ...)
    bool source_is_dir = true;  // bind remounts: whether a missing target is made a directory or a file
    UniqueFd idmap_userns;    // idmapped binds: the user namespace whose mapping the mount takes
};

struct PlannedDevice {
    std::string path;  // absolute inside the container, e.g. "/dev/null"
    mode_t mode = 0;   // S_IFCHR/S_IFBLK/S_IFIFO | permission bits
    dev_t rdev = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

// One cgroup v1 hierarchy of the host, as /proc/self/mountinfo shows it.
struct CgroupHierarchy {
    std::string mountpoint;   // "/sys/fs/cgroup/cpu,cpuacct"
    std::string root;         // the mount's root inside the hierarchy ("/" normally)
    std::string controllers;  // "cpu,cpuacct" or "name=systemd", as in /proc/self/cgroup
    std::string name;         // basename of mountpoint: the directory made under the destination
};

struct RootfsPlan {
    const Syscalls* sys = &kSystemCalls;  // what setup_rootfs and enter_rootfs call (syscalls.hpp: tests give their own)
    std::string rootfs;               // absolute host path of root.path, symlinks resolved
    std::string rootfs_parent_mount;  // mountpoint of the mount holding rootfs (made private for pivot_root)
    unsigned long root_propagation = 0;    // applied to "/" first (rootfsPropagation or MS_SLAVE|MS_REC)
    unsigned long final_propagation = 0;   // rootfsPropagation re-applied to the new "/" (0: none)
    // pivot_root refuses a root whose parent mount is shared. After a
    // recursive slave/private/unbindable "/" none is, and runc then leaves the
    // parent alone (the container's "/" stays a slave of the host's mount).
    bool parent_mount_private = false;
    bool readonly_root = false;
    bool readonly_dev = false;  // a read-only /dev tmpfs: mounted rw for the devices, made ro in enter_rootfs
    bool no_pivot = false;
    // No mount namespace of its own (runc allows it): the mounts are made in
    // the runtime's namespace and stay after the container (as runc's), and
    // the container is entered with chroot instead of pivot_root.
    bool host_mount_namespace = false;
    bool user_namespace = false;    // devices are bind-mounted from the host instead of mknod'ed
    bool cgroup_namespace = false;  // cgroup mounts mount cgroupfs instead of binding host dirs
    bool setup_dev = true;          // false when /dev is a bind mount: no devices or /dev links
    // A new user namespace made by a root berth: the parent clones the bind
    // sources the container's root cannot reach or may not idmap (SourceCloner).
    bool parent_clones_sources = false;
    std::vector<PlannedMount> mounts;  // config order
    std::vector<PlannedDevice> devices;  // defaults first, then linux.devices (same path: config wins)
    std::vector<std::string> masked_paths;
    std::vector<std::string> readonly_paths;
    std::vector<CgroupHierarchy> cgroup_v1;  // empty on a pure cgroup v2 host
    CgroupHierarchy cgroup_unified;          // the cgroup2 mount on a pure v2 host (controllers "")
    // /proc/self/cgroup as the child read it before entering its cgroup
    // namespace (save_cgroups_before_namespace): where a refused cgroup2 mount
    // binds the container's cgroup instead. Empty when not needed.
    std::array<char, 4096> cgroups_before_namespace{};
    // Rootless without a cgroup of its own (the `none` cgroup manager), set by
    // create once the manager is chosen: where runc's fallback finds no cgroup
    // directory to bind (ENOENT), it masks the destination instead, so that a
    // read-only /sys bind cannot leave the host's cgroup2 tree showing.
    bool no_own_cgroup = false;
    bool host_has_kcore = false;             // runc links /dev/core -> /proc/kcore when it exists
    // linux.mountLabel (SELinux, refused by plan_lsm where SELinux is off).
    // plan_rootfs already put it into the data of the mounts runc 1.1 labels
    // (every new filesystem but procfs, sysfs and mqueue; binds take no data);
    // the child labels mqueue's root by xattr and the tmpfs it makes itself
    // (cgroup v1 directory, masked directories) with it.
    std::string mount_label;
    std::string cgroup_tmpfs_data = "mode=755";  // the cgroup v1 tmpfs, with the label
    // no_pivot only: the host's full procfs/sysfs mounts, detached before MS_MOVE so that
    // the container cannot mount an unmasked procfs (mnt_already_visible) from a user namespace.
    std::vector<std::string> host_kernel_mounts;
};

}  // namespace berth::linux_setup
