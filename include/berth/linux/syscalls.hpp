// The seam between the setup steps and the kernel: the namespace joins (the
// child's, and the parent's around clone), every mount the rootfs setup makes
// (the first ones, each config mount with its flags, propagation and
// attributes, the cgroup mounts, the devices, the console) and the rootfs
// entry call through a table of plain function pointers that the plan
// carries (allocation-free, as the child must be), so a unit test can give a
// plan its own table and check what the steps ask for and how they report a
// refusal, without root and without a container. Lookups (openat2, fstat,
// statfs) stay real: a test gives them a directory.
#pragma once

#include <cstddef>

struct mount_attr;  // <sys/mount.h>

namespace berth::linux_setup {

struct Syscalls {
    int (*setns)(int fd, int nstype) noexcept;
    int (*unshare)(int flags) noexcept;
    int (*mount)(const char* source, const char* target, const char* fstype, unsigned long flags,
                 const void* data) noexcept;
    int (*umount2)(const char* target, int flags) noexcept;
    int (*pivot_root)(const char* new_root, const char* put_old) noexcept;
    int (*chdir)(const char* path) noexcept;
    int (*fchdir)(int fd) noexcept;
    int (*chroot)(const char* path) noexcept;
    int (*open_tree)(int dirfd, const char* path, unsigned flags) noexcept;
    int (*move_mount)(int from_dirfd, const char* from_path, int to_dirfd, const char* to_path, unsigned flags) noexcept;
    int (*mount_setattr)(int dirfd, const char* path, unsigned flags, mount_attr* attr, std::size_t size) noexcept;
};

// The kernel's: what every plan uses unless a test says otherwise.
extern const Syscalls kSystemCalls;

}  // namespace berth::linux_setup
