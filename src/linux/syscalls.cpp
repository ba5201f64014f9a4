#include "berth/linux/syscalls.hpp"

#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace berth::linux_setup {
namespace {

int sys_setns(int fd, int nstype) noexcept { return ::setns(fd, nstype); }
int sys_unshare(int flags) noexcept { return ::unshare(flags); }
int sys_mount(const char* source, const char* target, const char* fstype, unsigned long flags, const void* data) noexcept {
    return ::mount(source, target, fstype, flags, data);
}
int sys_umount2(const char* target, int flags) noexcept { return ::umount2(target, flags); }
int sys_pivot_root(const char* new_root, const char* put_old) noexcept {
    return static_cast<int>(::syscall(SYS_pivot_root, new_root, put_old));
}
int sys_chdir(const char* path) noexcept { return ::chdir(path); }
int sys_fchdir(int fd) noexcept { return ::fchdir(fd); }
int sys_chroot(const char* path) noexcept { return ::chroot(path); }
int sys_open_tree(int dirfd, const char* path, unsigned flags) noexcept { return ::open_tree(dirfd, path, flags); }
int sys_move_mount(int from_dirfd, const char* from_path, int to_dirfd, const char* to_path, unsigned flags) noexcept {
    return ::move_mount(from_dirfd, from_path, to_dirfd, to_path, flags);
}
int sys_mount_setattr(int dirfd, const char* path, unsigned flags, mount_attr* attr, std::size_t size) noexcept {
    return ::mount_setattr(dirfd, path, flags, attr, size);
}

}  // namespace

const Syscalls kSystemCalls = {sys_setns,  sys_unshare, sys_mount,     sys_umount2,    sys_pivot_root,   sys_chdir,
                               sys_fchdir, sys_chroot,  sys_open_tree, sys_move_mount, sys_mount_setattr};

}  // namespace berth::linux_setup
