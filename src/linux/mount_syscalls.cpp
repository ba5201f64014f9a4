#include "berth/linux/mount_syscalls.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>

#include "berth/linux/path_in_root.hpp"

namespace berth::linux_setup {

int clone_mount(const Syscalls& sys, int dirfd, const char* path, bool recursive) noexcept {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0u);
    if (path[0] == '\0') flags |= AT_EMPTY_PATH;
    return sys.open_tree(dirfd, path, flags);
}

int attach_mount(const Syscalls& sys, int tree_fd, int target_fd) noexcept {
    return sys.move_mount(tree_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

int set_mount_attrs(const Syscalls& sys, int fd, const MountAttrChange& change, bool recursive, int userns_fd) noexcept {
    mount_attr attr{};
    attr.attr_set = change.set;
    attr.attr_clr = change.clear;
    if (userns_fd >= 0) {
        attr.attr_set |= MOUNT_ATTR_IDMAP;
        attr.userns_fd = static_cast<uint64_t>(userns_fd);
    }
    return sys.mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0u), &attr, sizeof(attr));
}

int set_mount_propagation(const Syscalls& sys, int fd, unsigned long flags) noexcept {
    mount_attr attr{};
    attr.propagation = flags & ~static_cast<unsigned long>(MS_REC);
    return sys.mount_setattr(fd, "", AT_EMPTY_PATH | ((flags & MS_REC) ? AT_RECURSIVE : 0u), &attr, sizeof(attr));
}

int mount_at_fd(const Syscalls& sys, const char* source, int target_fd, const char* type, unsigned long flags,
                const char* data) noexcept {
    char target[32];
    return sys.mount(source, fd_path(target_fd, target, sizeof(target)), type, flags, data);
}

int new_tmpfs(bool readonly, const char* context) noexcept {
    const int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0) return -1;
    int mnt = -1;
    // fsconfig takes the label itself, without mount(2)'s quoting.
    const bool labelled = context[0] == '\0' || fsconfig(fs, FSCONFIG_SET_STRING, "context", context, 0) == 0;
    if (labelled && fsconfig(fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0)
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, readonly ? MOUNT_ATTR_RDONLY : 0);
    const int saved = errno;
    close(fs);
    errno = saved;
    return mnt;
}

}  // namespace berth::linux_setup
