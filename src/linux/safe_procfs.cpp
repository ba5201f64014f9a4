#include "berth/linux/safe_procfs.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace berth::linux_setup {
namespace {

constexpr ino_t kProcRootIno = 1;  // PROC_ROOT_INO

// The root of a procfs instance: statfs magic and the fixed root inode, so a
// tmpfs or a bind of some procfs subdirectory cannot pass for it.
bool is_procfs_root(int fd) {
    struct statfs sfs {};
    struct stat st {};
    return fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC && fstat(fd, &st) == 0 &&
           st.st_ino == kProcRootIno && S_ISDIR(st.st_mode);
}

// A brand-new procfs instance, detached from every mount namespace.
UniqueFd new_procfs() {
    UniqueFd fs(static_cast<int>(syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC)));
    if (!fs) return {};
    if (syscall(SYS_fsconfig, fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) return {};
    return UniqueFd(static_cast<int>(syscall(SYS_fsmount, fs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)));
}

// A non-recursive clone of the host's /proc mount: anything mounted on top of
// its files (the CVE-2025-52881 race) is not part of the clone.
UniqueFd clone_host_procfs() {
    return UniqueFd(static_cast<int>(
        syscall(SYS_open_tree, AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW)));
}

}  // namespace

Result<UniqueFd> open_private_procfs() {
    UniqueFd fd = new_procfs();
    if (!fd) fd = clone_host_procfs();
    if (!fd) return Error::from_errno("open a private procfs (fsopen \"proc\" and open_tree \"/proc\" both failed)");
    if (!is_procfs_root(fd.get())) return Error::msg("private procfs handle is not the root of a procfs");
    return fd;
}

int open_thread_self(int procfs, const char* relative, int flags, ChildError& err) noexcept {
    // "thread-self" is a symlink, which openat2 below refuses to follow: read
    // it (it names our ids in the handle's pid namespace, which may be an
    // ancestor of ours) and spell the path out.
    char path[256];
    char link[64];
    const ssize_t n = readlinkat(procfs, "thread-self", link, sizeof(link) - 1);
    if (n <= 0) return err.fail(errno, "readlink thread-self in the private procfs"), -1;
    link[n] = '\0';
    if (std::snprintf(path, sizeof(path), "%s/%s", link, relative) >= static_cast<int>(sizeof(path)))
        return err.fail(ENAMETOOLONG, "procfs path for %s", relative), -1;
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC | O_NOFOLLOW);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    const int fd = static_cast<int>(syscall(SYS_openat2, procfs, path, &how, sizeof(how)));
    if (fd < 0) return err.fail(errno, "open %s in the private procfs", path), -1;
    // Same filesystem instance as the verified root (RESOLVE_NO_XDEV already
    // forbids crossing a mount; this also catches a wrong handle).
    struct statfs sfs {};
    struct stat root {};
    struct stat st {};
    if (fstatfs(fd, &sfs) != 0 || sfs.f_type != PROC_SUPER_MAGIC || fstat(procfs, &root) != 0 ||
        fstat(fd, &st) != 0 || st.st_dev != root.st_dev) {
        close(fd);
        return err.fail(EXDEV, "%s is not on the private procfs", path), -1;
    }
    return fd;
}

bool write_thread_self(int procfs, const char* relative, const char* data, size_t len, ChildError& err) noexcept {
    const int fd = open_thread_self(procfs, relative, O_WRONLY, err);
    if (fd < 0) return false;
    const ssize_t n = write(fd, data, len);
    const int saved = errno;
    close(fd);
    if (n != static_cast<ssize_t>(len)) return err.fail(n < 0 ? saved : EIO, "write %s", relative);
    return true;
}

}  // namespace berth::linux_setup
