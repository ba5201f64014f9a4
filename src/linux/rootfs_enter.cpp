// enter_rootfs(): the child's last filesystem step. After it the container's
// rootfs is "/", the host's tree is gone from this mount namespace (only
// hidden by chroot without a mount namespace of its own), and the masked and
// read-only paths are in place.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "berth/linux/mount_syscalls.hpp"
#include "berth/linux/path_in_root.hpp"
#include "berth/linux/rootfs.hpp"
#include "berth/util/fd.hpp"

namespace berth::linux_setup {
namespace {

bool pivot_into(const RootfsPlan& plan, ChildError& err) noexcept {
    const Syscalls& sys = *plan.sys;
    UniqueFd old_root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    UniqueFd new_root(open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!old_root || !new_root) return err.fail(errno, "open \"/\" or rootfs \"%s\"", plan.rootfs.c_str());
    // pivot_root also refuses a shared new root; its final propagation is set later.
    if ((plan.root_propagation & MS_SHARED) && set_mount_propagation(sys, new_root.get(), MS_PRIVATE) != 0)
        return err.fail(errno, "make rootfs private for pivot_root");
    // pivot_root(".", "."): the old root ends up stacked under the new one,
    // with no directory needed for it inside the container.
    if (sys.fchdir(new_root.get()) != 0) return err.fail(errno, "chdir to rootfs \"%s\"", plan.rootfs.c_str());
    if (sys.pivot_root(".", ".") != 0) return err.fail(errno, "pivot_root \"%s\"", plan.rootfs.c_str());
    if (sys.fchdir(old_root.get()) != 0) return err.fail(errno, "chdir to the old root");
    // Detaching must not propagate the unmount to the host.
    if (sys.mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) return err.fail(errno, "make the old root rslave");
    if (sys.umount2(".", MNT_DETACH) != 0) return err.fail(errno, "detach the old root");
    if (sys.chdir("/") != 0) return err.fail(errno, "chdir /");
    return true;
}

// --no-pivot (e.g. a ramfs root where pivot_root is impossible). The host's
// tree stays below the chroot, so its full procfs and sysfs mounts go first:
// while one is in the namespace, the kernel lets a user namespace inside the
// container mount a fresh, unmasked procfs (as runc's msMoveRoot).
bool move_into(const RootfsPlan& plan, ChildError& err) noexcept {
    const Syscalls& sys = *plan.sys;
    for (const std::string& path : plan.host_kernel_mounts) {
        if (sys.mount(nullptr, path.c_str(), nullptr, MS_SLAVE | MS_REC, nullptr) != 0) {
            if (errno == ENOENT || errno == EINVAL) continue;  // went with a parent detached before
            return err.fail(errno, "make \"%s\" rslave", path.c_str());
        }
        if (sys.umount2(path.c_str(), MNT_DETACH) == 0) continue;
        if (errno != EINVAL && errno != EPERM) return err.fail(errno, "detach \"%s\"", path.c_str());
        if (sys.mount("tmpfs", path.c_str(), "tmpfs", 0, nullptr) != 0) return err.fail(errno, "cover \"%s\"", path.c_str());
    }
    if (sys.chdir(plan.rootfs.c_str()) != 0) return err.fail(errno, "chdir to rootfs \"%s\"", plan.rootfs.c_str());
    if (sys.mount(plan.rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) != 0) return err.fail(errno, "move rootfs to /");
    if (sys.chroot(".") != 0) return err.fail(errno, "chroot");
    if (sys.chdir("/") != 0) return err.fail(errno, "chdir /");
    return true;
}

// No mount namespace of its own: pivot_root would swap the runtime's "/".
bool chroot_into(const RootfsPlan& plan, ChildError& err) noexcept {
    const Syscalls& sys = *plan.sys;
    if (sys.chdir(plan.rootfs.c_str()) != 0) return err.fail(errno, "chdir to rootfs \"%s\"", plan.rootfs.c_str());
    if (sys.chroot(".") != 0) return err.fail(errno, "chroot");
    if (sys.chdir("/") != 0) return err.fail(errno, "chdir /");
    return true;
}

// The container's own /dev/null, verified to be the null device before it is
// bound over anything (CVE-2025-31133: a symlink to a procfs file there would
// turn "masking" into exposing).
int open_null_device(int root_fd, ChildError& err) noexcept {
    UniqueFd fd(open_in_root(root_fd, "/dev/null", O_PATH | O_NOFOLLOW, RESOLVE_NO_SYMLINKS));
    struct stat st {};
    if (!fd || fstat(fd.get(), &st) != 0) {
        err.fail(errno, "maskedPaths: open /dev/null");
        return -1;
    }
    if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
        err.fail(0, "maskedPaths: /dev/null is not the null device (1:3)");
        return -1;
    }
    return fd.release();
}

// What the masks are made of, opened once: the container's /dev/null for
// files, and (as runc 1.3) one read-only tmpfs that every masked directory
// shares, bound from the first one masked.
struct Masks {
    UniqueFd null_device;
    UniqueFd shared_tmpfs;
};

bool mask_path(const RootfsPlan& plan, int root_fd, const std::string& path, Masks& masks, ChildError& err) noexcept {
    UniqueFd target(open_in_root(root_fd, path.c_str(), O_PATH));
    if (!target) return errno == ENOENT || err.fail(errno, "maskedPaths: open \"%s\"", path.c_str());
    struct stat st {};
    if (fstat(target.get(), &st) != 0) return err.fail(errno, "maskedPaths: fstat \"%s\"", path.c_str());
    const Syscalls& sys = *plan.sys;
    const bool directory = S_ISDIR(st.st_mode);
    UniqueFd tree;
    if (directory) {
        tree.reset(masks.shared_tmpfs ? clone_mount(sys, masks.shared_tmpfs.get(), "", false)
                                      : new_tmpfs(true, plan.mount_label.c_str()));
    } else {
        if (!masks.null_device) masks.null_device.reset(open_null_device(root_fd, err));
        if (!masks.null_device) return false;
        tree.reset(clone_mount(sys, masks.null_device.get(), "", false));
    }
    if (!tree || attach_mount(sys, tree.get(), target.get()) != 0) return err.fail(errno, "maskedPaths: mask \"%s\"", path.c_str());
    if (directory && !masks.shared_tmpfs) {
        // The tmpfs now mounted there, for the next directories.
        masks.shared_tmpfs.reset(open_in_root(root_fd, path.c_str(), O_PATH | O_DIRECTORY));
        if (!masks.shared_tmpfs) return err.fail(errno, "maskedPaths: reopen \"%s\"", path.c_str());
    }
    return true;
}

bool make_readonly(const Syscalls& sys, int root_fd, const std::string& path, ChildError& err) noexcept {
    UniqueFd target(open_in_root(root_fd, path.c_str(), O_PATH));
    if (!target) return errno == ENOENT || err.fail(errno, "readonlyPaths: open \"%s\"", path.c_str());
    UniqueFd tree(clone_mount(sys, target.get(), "", true));
    if (!tree || set_mount_attrs(sys, tree.get(), {MOUNT_ATTR_RDONLY, 0}, true) != 0 ||
        attach_mount(sys, tree.get(), target.get()) != 0)
        return err.fail(errno, "readonlyPaths: make \"%s\" read-only", path.c_str());
    return true;
}

}  // namespace

bool enter_rootfs(const RootfsPlan& plan, ChildError& err) noexcept {
    const bool entered = plan.host_mount_namespace ? chroot_into(plan, err)
                         : plan.no_pivot           ? move_into(plan, err)
                                                   : pivot_into(plan, err);
    if (!entered) return false;
    const Syscalls& sys = *plan.sys;
    UniqueFd root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return err.fail(errno, "open /");
    if (plan.readonly_dev) {
        UniqueFd dev(open_in_root(root.get(), "/dev", O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS));
        if (!dev || set_mount_attrs(sys, dev.get(), {MOUNT_ATTR_RDONLY, 0}, false) != 0)
            return err.fail(errno, "make /dev read-only");
    }
    // runc's order: root.readonly, readonlyPaths, then maskedPaths.
    if (plan.readonly_root && set_mount_attrs(sys, root.get(), {MOUNT_ATTR_RDONLY, 0}, false) != 0)
        return err.fail(errno, "make the root filesystem read-only");
    for (const std::string& path : plan.readonly_paths)
        if (!make_readonly(sys, root.get(), path, err)) return false;
    Masks masks;
    for (const std::string& path : plan.masked_paths)
        if (!mask_path(plan, root.get(), path, masks, err)) return false;
    if (plan.final_propagation && sys.mount(nullptr, "/", nullptr, plan.final_propagation, nullptr) != 0)
        return err.fail(errno, "apply rootfsPropagation to /");
    return true;
}

}  // namespace berth::linux_setup
