// Thin, child-safe wrappers over the new mount API (open_tree, move_mount,
// mount_setattr, fsopen/fsmount). All are noexcept, allocate nothing and
// return -1 with errno set on failure, like the syscalls. All but new_tmpfs
// call through `sys`, the plan's table (syscalls.hpp).
#pragma once

#include "berth/linux/mount_options.hpp"
#include "berth/linux/syscalls.hpp"

namespace berth::linux_setup {

// A detached copy of the mount at `path` relative to `dirfd` (path "" = dirfd
// itself): open_tree(OPEN_TREE_CLONE), with submounts when `recursive`.
int clone_mount(const Syscalls& sys, int dirfd, const char* path, bool recursive) noexcept;

// Attaches a detached mount onto the object `target_fd` refers to (move_mount
// with both paths empty: the target is never looked up by name).
int attach_mount(const Syscalls& sys, int tree_fd, int target_fd) noexcept;

// mount_setattr on the mount `fd` refers to; `userns_fd` >= 0 adds MOUNT_ATTR_IDMAP.
int set_mount_attrs(const Syscalls& sys, int fd, const MountAttrChange& change, bool recursive, int userns_fd = -1) noexcept;

// Propagation (MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, MS_REC = recursive).
int set_mount_propagation(const Syscalls& sys, int fd, unsigned long flags) noexcept;

// mount(2) of a filesystem onto the object `target_fd` refers to, through its
// /proc/self/fd/N magic link (the host's /proc, before pivot_root).
int mount_at_fd(const Syscalls& sys, const char* source, int target_fd, const char* type, unsigned long flags,
                const char* data) noexcept;

// A fresh, detached tmpfs (read-only when `readonly`), ready for attach_mount;
// with a non-empty SELinux `context` (linux.mountLabel) as its label. Not
// through the table: fsopen's three steps make nothing visible until attached.
int new_tmpfs(bool readonly, const char* context = "") noexcept;

}  // namespace berth::linux_setup
