// setup_rootfs(), open_console_master(), mount_console(): the child's work
// inside its new mount namespace, before pivot_root.
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "berth/linux/devices.hpp"
#include "berth/linux/mount_apply.hpp"
#include "berth/linux/mount_syscalls.hpp"
#include "berth/linux/path_in_root.hpp"
#include "berth/linux/rootfs.hpp"
#include "berth/util/fd.hpp"

namespace berth::linux_setup {
namespace {

int open_rootfs(const RootfsPlan& plan) noexcept {
    return open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
}

// UNIX98 pty slaves: majors 136..143.
bool is_pty_slave(int fd) noexcept {
    struct stat st {};
    struct statfs fs {};
    if (fstat(fd, &st) != 0 || fstatfs(fd, &fs) != 0) return false;
    return S_ISCHR(st.st_mode) && major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143 &&
           fs.f_type == DEVPTS_SUPER_MAGIC;
}

}  // namespace

bool setup_rootfs(const RootfsPlan& plan, ChildError& err, const CgroupGate* gate, const SourceCloner* cloner) noexcept {
    // Nothing we mount may propagate back to the host (runc: rslave by default).
    const Syscalls& sys = *plan.sys;
    if (sys.mount(nullptr, "/", nullptr, plan.root_propagation, nullptr) != 0)
        return err.fail(errno, "make / %s", (plan.root_propagation & MS_SHARED) ? "shared" : "private or slave");
    // pivot_root refuses a new root whose parent mount is shared.
    if (plan.parent_mount_private && sys.mount(nullptr, plan.rootfs_parent_mount.c_str(), nullptr, MS_PRIVATE, nullptr) != 0)
        return err.fail(errno, "make \"%s\" private", plan.rootfs_parent_mount.c_str());
    if (sys.mount(plan.rootfs.c_str(), plan.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
        return err.fail(errno, "bind rootfs \"%s\" onto itself", plan.rootfs.c_str());
    // Opened after the self-bind so that every mount lands on the new mount.
    UniqueFd root(open_rootfs(plan));
    if (!root) return err.fail(errno, "open rootfs \"%s\"", plan.rootfs.c_str());
    for (const PlannedMount& m : plan.mounts) {
        if (gate && m.kind == MountKind::cgroup) {
            if (!gate->wait(gate->context, err)) return false;
            gate = nullptr;
        }
        if (!apply_mount(plan, m, root.get(), cloner, err)) return false;
    }
    return !plan.setup_dev || create_devices(plan, root.get(), err);
}

int open_console_master(const RootfsPlan& plan, ChildError& err) noexcept {
    UniqueFd root(open_rootfs(plan));
    if (!root) {
        err.fail(errno, "open rootfs \"%s\"", plan.rootfs.c_str());
        return -1;
    }
    UniqueFd master(open_in_root(root.get(), "/dev/pts/ptmx", O_RDWR | O_NOCTTY, RESOLVE_NO_SYMLINKS));
    if (!master) {
        err.fail(errno, "open \"/dev/pts/ptmx\" in the container");
        return -1;
    }
    struct statfs fs {};
    if (fstatfs(master.get(), &fs) != 0 || fs.f_type != DEVPTS_SUPER_MAGIC) {
        err.fail(EINVAL, "\"/dev/pts/ptmx\" in the container is not on devpts");
        return -1;
    }
    return master.release();
}

bool mount_console(const RootfsPlan& plan, int pty_slave_fd, ChildError& err) noexcept {
    // CVE-2025-52565: the console must be the pty we were handed, verified by
    // fd; a /dev/pts/N path could be a symlink the image planted.
    if (!is_pty_slave(pty_slave_fd)) return err.fail(EINVAL, "console: fd %d is not a pty slave on devpts", pty_slave_fd);
    UniqueFd root(open_rootfs(plan));
    if (!root) return err.fail(errno, "open rootfs \"%s\"", plan.rootfs.c_str());
    UniqueFd target(open_or_create_in_root(root.get(), "/dev/console", false, RESOLVE_NO_SYMLINKS));
    if (!target) return err.fail(errno, "console: create \"/dev/console\"");
    struct stat st {};
    if (fstat(target.get(), &st) != 0 || S_ISDIR(st.st_mode))
        return err.fail(S_ISDIR(st.st_mode) ? EISDIR : errno, "console: \"/dev/console\" is not a file");
    UniqueFd tree(clone_mount(*plan.sys, pty_slave_fd, "", false));
    if (!tree) return err.fail(errno, "console: open_tree of the pty");
    if (attach_mount(*plan.sys, tree.get(), target.get()) != 0) return err.fail(errno, "console: bind the pty to \"/dev/console\"");
    return true;
}

}  // namespace berth::linux_setup
