#include "berth/linux/mount_apply.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "berth/linux/mount_cgroup.hpp"
#include "berth/linux/mount_syscalls.hpp"
#include "berth/linux/mount_tmpcopyup.hpp"
#include "berth/linux/path_in_root.hpp"
#include "berth/util/fd.hpp"

namespace berth::linux_setup {
namespace {

const char* display_source(const PlannedMount& m) noexcept {
    return m.source.empty() ? m.type.c_str() : m.source.c_str();
}

bool mount_failed(const PlannedMount& m, ChildError& err, const char* step) noexcept {
    return err.fail(errno, "error mounting \"%s\" to rootfs at \"%s\": %s", display_source(m), m.destination.c_str(),
                    step);
}

// /proc, /sys and /dev must be real directories of the rootfs: a symlink there
// would send procfs, sysfs or our device nodes wherever the image points
// (CVE-2023-27561, CVE-2023-28642, CVE-2026-41579). Checked over the whole
// path, not just the last component.
bool needs_ordinary_directory(const PlannedMount& m) noexcept {
    if (m.kind != MountKind::filesystem) return false;
    return m.type == "proc" || m.type == "sysfs" || m.destination == "/proc" || m.destination == "/sys" ||
           m.destination == "/dev";
}

bool check_ordinary_directory(const PlannedMount& m, int root_fd, ChildError& err) noexcept {
    UniqueFd fd(open_in_root(root_fd, m.destination.c_str(), O_PATH | O_NOFOLLOW, RESOLVE_NO_SYMLINKS));
    struct stat st {};
    if (fd) {
        if (fstat(fd.get(), &st) != 0) return mount_failed(m, err, "fstat");
        if (S_ISDIR(st.st_mode)) return true;
    } else if (errno == ENOENT) {
        return true;  // created as a directory below
    } else if (errno != ELOOP) {
        return mount_failed(m, err, "open destination");
    }
    return err.fail(0, "error mounting \"%s\" to rootfs at \"%s\": filesystem \"%s\" must be mounted on ordinary directory",
                    display_source(m), m.destination.c_str(), m.type.c_str());
}

bool apply_propagation(const PlannedMount& m, int fd, ChildError& err) noexcept {
    for (const unsigned long p : m.options.propagation)
        if (set_mount_propagation(fd, p) != 0) return mount_failed(m, err, "set propagation");
    return true;
}

// The attributes every mount gets once it exists: recursive ones (rro, ...), then propagation.
bool finish_mount(const PlannedMount& m, int mount_fd, ChildError& err) noexcept {
    if (!m.options.recursive.empty() && set_mount_attrs(mount_fd, m.options.recursive, true) != 0)
        return mount_failed(m, err, "mount_setattr (recursive options)");
    return apply_propagation(m, mount_fd, err);
}

// The parent's clone of the source, which already carries every attribute.
bool attach_host_tree(const PlannedMount& m, int target_fd, ChildError& err) noexcept {
    if (attach_mount(m.host_tree.get(), target_fd) != 0) return mount_failed(m, err, "move_mount");
    return apply_propagation(m, m.host_tree.get(), err);
}

bool bind_mount(const PlannedMount& m, int target_fd, ChildError& err) noexcept {
    // In a user namespace only the parent can idmap the bind: mount_setattr
    // needs CAP_SYS_ADMIN over the source's filesystem (EPERM for the
    // namespace's root, e.g. podman's `-v SRC:DST:idmap` with --uidmap).
    if (m.host_tree && m.idmap_userns) return attach_host_tree(m, target_fd, err);
    UniqueFd own(clone_mount(AT_FDCWD, m.source.c_str(), m.options.recursive_bind));
    // The container's root may not reach the source.
    if (!own && m.host_tree && (errno == EACCES || errno == EPERM)) return attach_host_tree(m, target_fd, err);
    if (!own) return mount_failed(m, err, "open_tree");
    if (m.idmap_userns && set_mount_attrs(own.get(), {}, m.options.recursive_idmap, m.idmap_userns.get()) != 0)
        return mount_failed(m, err, "mount_setattr (idmap)");
    // Only what the options name changes; the rest is inherited from the source
    // (so flags the kernel locked in a user namespace are kept, not fought).
    const MountAttrChange top = m.options.attr_change();
    if (!top.empty() && set_mount_attrs(own.get(), top, false) != 0) return mount_failed(m, err, "mount_setattr");
    if (!m.options.recursive.empty() && set_mount_attrs(own.get(), m.options.recursive, true) != 0)
        return mount_failed(m, err, "mount_setattr (recursive options)");
    if (attach_mount(own.get(), target_fd) != 0) return mount_failed(m, err, "move_mount");
    return apply_propagation(m, own.get(), err);
}

// Inside a user namespace without its own network (sysfs) or ipc (mqueue)
// namespace the kernel refuses a fresh instance; runc binds the host's then.
const char* userns_fallback_source(const RootfsPlan& plan, const PlannedMount& m) noexcept {
    if (!plan.user_namespace || errno != EPERM) return nullptr;
    if (m.type == "sysfs") return "/sys";
    if (m.type == "mqueue") return "/dev/mqueue";
    return nullptr;
}

// runc labels a fresh mqueue through its root's xattr instead of mount data.
bool label_mqueue(const RootfsPlan& plan, const PlannedMount& m, int root_fd, ChildError& err) noexcept {
    UniqueFd root(open_in_root(root_fd, m.destination.c_str(), O_RDONLY | O_DIRECTORY));
    if (!root || fsetxattr(root.get(), "security.selinux", plan.mount_label.data(), plan.mount_label.size(), 0) != 0)
        return mount_failed(m, err, "set the mount label");
    return true;
}

bool filesystem_mount(const RootfsPlan& plan, const PlannedMount& m, int root_fd, int target_fd,
                      ChildError& err) noexcept {
    // tmpcopyup: keep a handle on what the tmpfs is about to cover.
    UniqueFd original;
    if (m.options.tmpcopyup) {
        original.reset(open_in_root(root_fd, m.destination.c_str(), O_RDONLY | O_DIRECTORY));
        if (!original) return mount_failed(m, err, "open for tmpcopyup");
    }
    // With tmpcopyup the copy needs a writable tmpfs; read-only comes after.
    const unsigned long flags = m.options.tmpcopyup ? (m.flags & ~static_cast<unsigned long>(MS_RDONLY)) : m.flags;
    const bool fresh = mount_at_fd(m.source.c_str(), target_fd, m.type.c_str(), flags, m.options.data.c_str()) == 0;
    if (!fresh) {
        const char* host = userns_fallback_source(plan, m);
        if (!host) return mount_failed(m, err, "mount");
        UniqueFd tree(clone_mount(AT_FDCWD, host, true));
        if (!tree || set_mount_attrs(tree.get(), m.options.attr_change(), false) != 0 ||
            attach_mount(tree.get(), target_fd) != 0)
            return mount_failed(m, err, "bind of the host's instance in a user namespace");
    }
    UniqueFd mounted(open_in_root(root_fd, m.destination.c_str(), O_PATH | O_DIRECTORY));
    if (!mounted) return mount_failed(m, err, "reopen");
    if (fresh && m.type == "mqueue" && !plan.mount_label.empty() && !label_mqueue(plan, m, root_fd, err)) return false;
    if (m.type == "proc") {
        // What we just mounted must be procfs, not something stacked in a race
        // (CVE-2019-16884: fake /proc/self/attr/* under a volume).
        struct statfs st {};
        if (fstatfs(mounted.get(), &st) != 0 || st.f_type != PROC_SUPER_MAGIC) {
            errno = EINVAL;
            return mount_failed(m, err, "mounted /proc is not procfs");
        }
    }
    if (m.options.tmpcopyup) {
        UniqueFd copy_to(open_in_root(root_fd, m.destination.c_str(), O_RDONLY | O_DIRECTORY));
        if (!copy_to || copy_directory_tree(original.get(), copy_to.get()) != 0) return mount_failed(m, err, "tmpcopyup");
        if ((m.flags & MS_RDONLY) && set_mount_attrs(mounted.get(), {MOUNT_ATTR_RDONLY, 0}, false) != 0)
            return mount_failed(m, err, "remount read-only");
    }
    return finish_mount(m, mounted.get(), err);
}

bool remount(const PlannedMount& m, int target_fd, ChildError& err) noexcept {
    const unsigned long bind = m.kind == MountKind::bind ? MS_BIND : 0;
    if (mount_at_fd(nullptr, target_fd, nullptr, m.flags | MS_REMOUNT | bind, m.options.data.c_str()) != 0)
        return mount_failed(m, err, "remount");
    return finish_mount(m, target_fd, err);
}

}  // namespace

bool apply_mount(const RootfsPlan& plan, const PlannedMount& m, int root_fd, ChildError& err) noexcept {
    if (needs_ordinary_directory(m) && !check_ordinary_directory(m, root_fd, err)) return false;
    const bool directory = m.kind != MountKind::bind || m.source_is_dir;
    UniqueFd target(open_or_create_in_root(root_fd, m.destination.c_str(), directory));
    if (!target) return mount_failed(m, err, "create mount destination");
    struct stat st {};
    if (fstat(target.get(), &st) != 0) return mount_failed(m, err, "fstat destination");
    if (S_ISDIR(st.st_mode) != directory) {
        errno = directory ? ENOTDIR : EISDIR;
        return mount_failed(m, err, "destination type does not match the source");
    }
    if (m.options.remount) return remount(m, target.get(), err);
    switch (m.kind) {
        case MountKind::bind: return bind_mount(m, target.get(), err);
        case MountKind::cgroup: return mount_cgroups(plan, m, root_fd, target.get(), err);
        case MountKind::filesystem: return filesystem_mount(plan, m, root_fd, target.get(), err);
    }
    return true;
}

}  // namespace berth::linux_setup
