// The container's root filesystem: planned in the parent, applied in the child.
//
// plan_rootfs() does all parsing and allocation before clone (mount flags and
// data strings, resolved bind sources, device list, masked/readonly paths,
// user namespaces for idmapped mounts). The child then only makes syscalls, in
// this order (the lifecycle code runs createContainer hooks and the console
// between them):
//
//   setup_rootfs(plan, err)          // in the new mount namespace, before pivot
//   ... createContainer hooks ...
//   mount_console(plan, slave, err)  // only with process.terminal
//   enter_rootfs(plan, err)          // pivot_root, masked/readonly paths, root.readonly
//
// Every target inside the rootfs is resolved by fd (openat2 RESOLVE_IN_ROOT),
// created by fd when missing, and mounted by fd, so a symlink the container
// controls can never redirect a mount to the host.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "berth/linux/rootfs_plan.hpp"
#include "berth/util/child_error.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::linux_setup {

struct RootfsOptions {
    std::string bundle;     // absolute bundle directory (root.path and relative sources resolve here)
    bool no_pivot = false;  // --no-pivot: MS_MOVE + chroot instead of pivot_root
};

// Parent, before clone. Whether the container has a user, cgroup or mount
// namespace comes from spec.linux.namespaces; without a mount namespace of
// its own the mounts are made in the runtime's (RootfsPlan::host_mount_namespace).
// Errors name the config path, e.g. `mounts[3]: stat "/src": No such file or directory`.
Result<RootfsPlan> plan_rootfs(const oci::Spec& spec, const RootfsOptions& options);

// Where setup_rootfs stops until the process is in its cgroups: right before
// the first cgroup mount (without a cgroup namespace it binds the directories
// named in /proc/self/cgroup). `wait` returns false with `err` set on failure.
struct CgroupGate {
    bool (*wait)(void* context, ChildError& err) noexcept = nullptr;
    void* context = nullptr;
};

// Binds in a new user namespace: the container's root may not reach the
// source (a 0700 directory on the way) and may not idmap it (mount_setattr
// needs CAP_SYS_ADMIN over the source's filesystem). The parent then clones
// it, inside the child's mount namespace so that earlier mounts show (as
// runc's host-side mount source thread), and hands the detached tree back.
// `clone` returns its fd, or -1 with `err` set.
struct SourceCloner {
    int (*clone)(void* context, std::size_t mount_index, ChildError& err) noexcept = nullptr;
    void* context = nullptr;
};

// Parent, while the child (`pid`) does its mounts: the answer to a
// SourceCloner request for `mount`, a bind of plan_rootfs(). Enters the
// child's mount namespace for the open_tree and comes back.
Result<UniqueFd> clone_source_for(pid_t pid, const PlannedMount& mount);

// Child, inside its own mount namespace, after the parent has written the
// uid/gid maps. Without a `gate` the process must already be in its cgroups;
// with one, the mounts before the first cgroup mount run while the parent
// places it (the first cgroup.procs write on v1 waits for an RCU grace
// period), and gate->wait is called once before that mount.
// Makes "/" rslave (or rootfsPropagation), binds the rootfs onto itself, does
// the config mounts in order, creates the devices, /dev/fd, /dev/std{in,out,err},
// /dev/ptmx -> pts/ptmx.
// `cloner` serves plan.parent_clones_sources.
bool setup_rootfs(const RootfsPlan& plan, ChildError& err, const CgroupGate* gate = nullptr,
                  const SourceCloner* cloner = nullptr) noexcept;

// Child, after setup_rootfs and before enter_rootfs: opens the container's
// /dev/pts/ptmx (resolved inside the rootfs, verified to be on devpts).
// Returns the master fd or -1 with `err` set. Optional helper for the console
// code, which then unlocks it (TIOCSPTLCK 0) and gets the slave with TIOCGPTPEER.
int open_console_master(const RootfsPlan& plan, ChildError& err) noexcept;

// Child, after setup_rootfs and before enter_rootfs: bind-mounts `pty_slave_fd`
// onto <rootfs>/dev/console (created as an empty file when missing). The fd
// must be a pty slave on devpts (checked: CVE-2025-52565); the mount is made by
// fd, never through a /dev/pts/N path. Get the slave with ioctl(master, TIOCGPTPEER).
bool mount_console(const RootfsPlan& plan, int pty_slave_fd, ChildError& err) noexcept;

// Child, last filesystem step: pivot_root into the rootfs with the old root
// detached (or MS_MOVE + chroot with no_pivot, chroot without a mount
// namespace of its own), then maskedPaths, readonlyPaths,
// root.readonly and the final rootfsPropagation. Afterwards cwd is "/".
bool enter_rootfs(const RootfsPlan& plan, ChildError& err) noexcept;

}  // namespace berth::linux_setup
