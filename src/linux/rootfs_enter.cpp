// enter_rootfs(): the child's last filesystem step. After it the container's
// rootfs is "/", the host's tree is gone from this mount namespace, and the
// masked and read-only paths are in place.
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
    UniqueFd old_root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    UniqueFd new_root(open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!old_root || !new_root) return err.fail(errno, "open \"/\" or rootfs \"%s\"", plan.rootfs.c_str());
    // pivot_root also refuses a shared new root; its final propagation is set later.
    if ((plan.root_propagation & MS_SHARED) && set_mount_propagation(new_root.get(), MS_PRIVATE) != 0)
        return err.fail(errno, "make rootfs private for pivot_root");
    // pivot_root(".", "."): the old root ends up stacked under the new one,
    // with no directory needed for it inside the container.
    if (fchdir(new_root.get()) != 0) return err.fail(errno, "chdir to rootfs \"%s\"", plan.rootfs.c_str());
    if (syscall(SYS_pivot_root, ".", ".") != 0) return err.fail(errno, "pivot_root \"%s\"", plan.rootfs.c_str());
    if (fchdir(old_root.get()) != 0) return err.fail(errno, "chdir to the old root");
    // Detaching must not propagate the unmount to the host.
    if (mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) return err.fail(errno, "make the old root rslave");
    if (umount2(".", MNT_DETACH) != 0) return err.fail(errno, "detach the old root");
    if (chdir("/") != 0) return err.fail(errno, "chdir /");
    return true;
}

// --no-pivot (e.g. a ramfs root where pivot_root is impossible). The host's
// tree stays below the chroot, so its full procfs and sysfs mounts go first:
// while one is in the namespace, the kernel lets a user namespace inside the
// container mount a fresh, unmasked procfs (as runc's msMoveRoot).
bool move_into(const RootfsPlan& plan, ChildError& err) noexcept {
    for (const std::string& path : plan.host_kernel_mounts) {
        if (mount(nullptr, path.c_str(), nullptr, MS_SLAVE | MS_REC, nullptr) != 0) {
            if (errno == ENOENT || errno == EINVAL) continue;  // went with a parent detached before
            return err.fail(errno, "make \"%s\" rslave", path.c_str());
        }
        if (umount2(path.c_str(), MNT_DETACH) == 0) continue;
        if (errno != EINVAL && errno != EPERM) return err.fail(errno, "detach \"%s\"", path.c_str());
        if (mount("tmpfs", path.c_str(), "tmpfs", 0, nullptr) != 0) return err.fail(errno, "cover \"%s\"", path.c_str());
    }
    if (chdir(plan.rootfs.c_str()) != 0) return err.fail(errno, "chdir to rootfs \"%s\"", plan.rootfs.c_str());
    if (mount(plan.rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) != 0) return err.fail(errno, "move rootfs to /");
    if (chroot(".") != 0) return err.fail(errno, "chroot");
    if (chdir("/") != 0) return err.fail(errno, "chdir /");
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

// What masked paths are covered with: the container's /dev/null for files and,
// as runc 1.2+, one read-only tmpfs that every masked directory shares (bound
// from the first directory that got it).
struct MaskSources {
    int null_fd = -1;
    const char* tmpfs_dir = nullptr;  // the first masked directory
    ~MaskSources() {
        if (null_fd >= 0) close(null_fd);
    }
};

// The detached mount to cover `st` with; false when err says why.
bool mask_tree(const RootfsPlan& plan, int root_fd, const std::string& path, const struct stat& st, MaskSources& src,
               UniqueFd& tree, ChildError& err) noexcept {
    if (!S_ISDIR(st.st_mode)) {
        if (src.null_fd < 0 && (src.null_fd = open_null_device(root_fd, err)) < 0) return false;
        tree.reset(clone_mount(src.null_fd, "", false));
    } else if (src.tmpfs_dir == nullptr) {
        tree.reset(new_tmpfs(true, plan.mount_label.c_str()));
    } else {
        UniqueFd shared(open_in_root(root_fd, src.tmpfs_dir, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS));
        if (shared) tree.reset(clone_mount(shared.get(), "", false));
    }
    return tree || err.fail(errno, "maskedPaths: mask \"%s\"", path.c_str());
}

bool mask_path(const RootfsPlan& plan, int root_fd, const std::string& path, MaskSources& src, ChildError& err) noexcept {
    UniqueFd target(open_in_root(root_fd, path.c_str(), O_PATH));
    if (!target) return errno == ENOENT || err.fail(errno, "maskedPaths: open \"%s\"", path.c_str());
    struct stat st {};
    if (fstat(target.get(), &st) != 0) return err.fail(errno, "maskedPaths: fstat \"%s\"", path.c_str());
    UniqueFd tree;
    if (!mask_tree(plan, root_fd, path, st, src, tree, err)) return false;
    if (attach_mount(tree.get(), target.get()) != 0) return err.fail(errno, "maskedPaths: mask \"%s\"", path.c_str());
    if (S_ISDIR(st.st_mode) && src.tmpfs_dir == nullptr) src.tmpfs_dir = path.c_str();
    return true;
}

bool make_readonly(int root_fd, const std::string& path, ChildError& err) noexcept {
    UniqueFd target(open_in_root(root_fd, path.c_str(), O_PATH));
    if (!target) return errno == ENOENT || err.fail(errno, "readonlyPaths: open \"%s\"", path.c_str());
    UniqueFd tree(clone_mount(target.get(), "", true));
    if (!tree || set_mount_attrs(tree.get(), {MOUNT_ATTR_RDONLY, 0}, true) != 0 ||
        attach_mount(tree.get(), target.get()) != 0)
        return err.fail(errno, "readonlyPaths: make \"%s\" read-only", path.c_str());
    return true;
}

}  // namespace

bool enter_rootfs(const RootfsPlan& plan, ChildError& err) noexcept {
    if (!(plan.no_pivot ? move_into(plan, err) : pivot_into(plan, err))) return false;
    UniqueFd root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return err.fail(errno, "open /");
    if (plan.readonly_dev) {
        UniqueFd dev(open_in_root(root.get(), "/dev", O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS));
        if (!dev || set_mount_attrs(dev.get(), {MOUNT_ATTR_RDONLY, 0}, false) != 0)
            return err.fail(errno, "make /dev read-only");
    }
    // runc's order: root.readonly, readonlyPaths, then maskedPaths.
    if (plan.readonly_root && set_mount_attrs(root.get(), {MOUNT_ATTR_RDONLY, 0}, false) != 0)
        return err.fail(errno, "make the root filesystem read-only");
    for (const std::string& path : plan.readonly_paths)
        if (!make_readonly(root.get(), path, err)) return false;
    MaskSources sources;
    for (const std::string& path : plan.masked_paths)
        if (!mask_path(plan, root.get(), path, sources, err)) return false;
    if (plan.final_propagation && mount(nullptr, "/", nullptr, plan.final_propagation, nullptr) != 0)
        return err.fail(errno, "apply rootfsPropagation to /");
    return true;
}

}  // namespace berth::linux_setup
