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
#include <cstdio>
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

bool apply_propagation(const Syscalls& sys, const PlannedMount& m, int fd, ChildError& err) noexcept {
    for (const unsigned long p : m.options.propagation)
        if (set_mount_propagation(sys, fd, p) != 0) return mount_failed(m, err, "set propagation");
    return true;
}

// The attributes every mount gets once it exists: recursive ones (rro, ...), then propagation.
bool finish_mount(const Syscalls& sys, const PlannedMount& m, int mount_fd, ChildError& err) noexcept {
    if (!m.options.recursive.empty() && set_mount_attrs(sys, mount_fd, m.options.recursive, true) != 0)
        return mount_failed(m, err, "mount_setattr (recursive options)");
    return apply_propagation(sys, m, mount_fd, err);
}

// runc's words: "... cannot clear locked flags MS_NOSUID: operation not permitted".
bool locked_flags_failed(const PlannedMount& m, ChildError& err, int error, const char* what, unsigned long flags,
                         const char* after = "") noexcept {
    char names[160];
    format_mount_flags(flags, names, sizeof(names));
    return err.fail(error,
                    "error mounting \"%s\" to rootfs at \"%s\": failed to set user-requested vfs flags on bind-mount: %s %s%s",
                    display_source(m), m.destination.c_str(), what, names, after);
}

// The bind's own flags, on the detached tree. In a user namespace the
// source's ro/nosuid/nodev/noexec/atime flags may be locked (EPERM): as runc,
// refuse to clear what the config explicitly clears, refuse an atime mode
// other than the locked one, and otherwise try again keeping the locked flags.
bool set_bind_flags(const Syscalls& sys, const PlannedMount& m, int tree_fd, ChildError& err) noexcept {
    const MountAttrChange change = m.options.bind_attr_change();
    if (change.empty() || set_mount_attrs(sys, tree_fd, change, false) == 0) return true;
    const int first = errno;
    struct statfs st {};
    if (fstatfs(tree_fd, &st) != 0) return mount_failed(m, err, "fstatfs of the bind source");
    const unsigned long source = statfs_mount_flags(st.f_flags);
    if (const unsigned long stuck = source & m.options.clear_flags & kLockableMountFlags)
        return locked_flags_failed(m, err, first, "cannot clear locked flags", stuck);
    const unsigned long atime = m.options.set_flags & kAtimeMountFlags;
    if (atime && atime != (source & kAtimeMountFlags))
        return locked_flags_failed(m, err, first, "cannot change locked atime flags", source & kAtimeMountFlags);
    if (set_mount_attrs(sys, tree_fd, m.options.bind_attr_change(source & kLockableMountFlags), false) != 0)
        return locked_flags_failed(m, err, errno, "remount with locked flags", source & kLockableMountFlags, " re-applied");
    return true;
}

}  // namespace

bool finish_bind_tree(const Syscalls& sys, const PlannedMount& m, int tree_fd, ChildError& err) noexcept {
    if (m.idmap_userns && set_mount_attrs(sys, tree_fd, {}, m.options.recursive_idmap, m.idmap_userns.get()) != 0) {
        const int error = errno;
        return err.fail(error, "error mounting \"%s\" to rootfs at \"%s\": failed to set MOUNT_ATTR_IDMAP on %s%s",
                        display_source(m), m.destination.c_str(), m.source.c_str(),
                        error == EINVAL ? " (maybe the filesystem used doesn't support idmap mounts on this kernel?)" : "");
    }
    if (!set_bind_flags(sys, m, tree_fd, err)) return false;
    if (!m.options.recursive.empty() && set_mount_attrs(sys, tree_fd, m.options.recursive, true) != 0)
        return mount_failed(m, err, "mount_setattr (recursive options)");
    return true;
}

namespace {

// The mountpoint for `m` inside the rootfs, created (as a directory or an
// empty file) when missing; must match the kind of thing mounted there, and
// may not be the rootfs itself ("/", or a symlink or ".." that resolves to it):
// a mount there would hide the rootfs the rest of the setup works in. runc
// 1.2+ refuses it as well.
int open_target(const PlannedMount& m, int root_fd, bool directory, ChildError& err) noexcept {
    UniqueFd target(open_or_create_in_root(root_fd, m.destination.c_str(), directory));
    if (!target) {
        mount_failed(m, err, "create mount destination");
        return -1;
    }
    struct stat st {};
    struct stat root {};
    if (fstat(target.get(), &st) != 0 || fstat(root_fd, &root) != 0) {
        mount_failed(m, err, "fstat destination");
        return -1;
    }
    if (st.st_dev == root.st_dev && st.st_ino == root.st_ino) {
        err.fail(0, "error mounting \"%s\" to rootfs at \"%s\": mountpoint is on the top of rootfs",
                 display_source(m), m.destination.c_str());
        return -1;
    }
    if (S_ISDIR(st.st_mode) != directory) {
        errno = directory ? ENOTDIR : EISDIR;
        mount_failed(m, err, "destination type does not match the source");
        return -1;
    }
    return target.release();
}

// The source is looked up now, in the container's mount namespace, so it may
// lie under an earlier mount (runc 1.2+'s mount order: a bind of
// "<rootfs>/mnt/x" after "/mnt" was mounted binds what "/mnt" shows). In a
// new user namespace the parent clones what the container's root cannot
// reach or may not idmap (see SourceCloner).
bool bind_mount(const RootfsPlan& plan, const PlannedMount& m, int root_fd, const SourceCloner* cloner,
                ChildError& err) noexcept {
    const Syscalls& sys = *plan.sys;
    const bool parent_clones = plan.parent_clones_sources && cloner;
    UniqueFd tree;
    if (!(parent_clones && m.idmap_userns)) {
        tree.reset(clone_mount(sys, AT_FDCWD, m.source.c_str(), m.options.recursive_bind));
        if (!tree && !(parent_clones && (errno == EACCES || errno == EPERM))) return mount_failed(m, err, "open_tree");
        if (tree && !finish_bind_tree(sys, m, tree.get(), err)) return false;
    }
    if (!tree) {
        tree.reset(cloner->clone(cloner->context, static_cast<std::size_t>(&m - plan.mounts.data()), err));
        if (!tree) return false;
    }
    struct stat st {};
    if (fstat(tree.get(), &st) != 0) return mount_failed(m, err, "fstat bind source");
    UniqueFd target(open_target(m, root_fd, S_ISDIR(st.st_mode), err));
    if (!target) return false;
    if (attach_mount(sys, tree.get(), target.get()) != 0) return mount_failed(m, err, "move_mount");
    return apply_propagation(sys, m, tree.get(), err);
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

// runc 1.2+: a tmpfs over an existing directory starts with that directory's
// mode (setuid/setgid/sticky included) unless the options name a mode= of
// their own (which comes later in the data, so it wins). A directory made
// for the mount leaves tmpfs its default (1777).
const char* tmpfs_data(const PlannedMount& m, int existing_mode, char* buf, std::size_t size) noexcept {
    if (existing_mode < 0) return m.options.data.c_str();
    const int n = snprintf(buf, size, "mode=%04o%s%s", static_cast<unsigned>(existing_mode),
                           m.options.data.empty() ? "" : ",", m.options.data.c_str());
    return n >= 0 && static_cast<std::size_t>(n) < size ? buf : nullptr;
}

bool filesystem_mount(const RootfsPlan& plan, const PlannedMount& m, int root_fd, int target_fd, int existing_mode,
                      ChildError& err) noexcept {
    const Syscalls& sys = *plan.sys;
    // tmpcopyup: keep a handle on what the tmpfs is about to cover.
    UniqueFd original;
    if (m.options.tmpcopyup) {
        original.reset(open_in_root(root_fd, m.destination.c_str(), O_RDONLY | O_DIRECTORY));
        if (!original) return mount_failed(m, err, "open for tmpcopyup");
    }
    // With tmpcopyup the copy needs a writable tmpfs; read-only comes after.
    const unsigned long flags = m.options.tmpcopyup ? (m.flags & ~static_cast<unsigned long>(MS_RDONLY)) : m.flags;
    // The kernel reads one page of mount data.
    char data_buf[4096];
    const char* data = m.type == "tmpfs" ? tmpfs_data(m, existing_mode, data_buf, sizeof(data_buf)) : m.options.data.c_str();
    if (!data) {
        errno = E2BIG;
        return mount_failed(m, err, "mount data");
    }
    const bool fresh = mount_at_fd(sys, m.source.c_str(), target_fd, m.type.c_str(), flags, data) == 0;
    if (!fresh) {
        const char* host = userns_fallback_source(plan, m);
        if (!host) return mount_failed(m, err, "mount");
        UniqueFd tree(clone_mount(sys, AT_FDCWD, host, true));
        if (!tree) return mount_failed(m, err, "bind of the host's instance in a user namespace");
        if (!set_bind_flags(sys, m, tree.get(), err)) return false;
        if (attach_mount(sys, tree.get(), target_fd) != 0)
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
        if ((m.flags & MS_RDONLY) && set_mount_attrs(sys, mounted.get(), {MOUNT_ATTR_RDONLY, 0}, false) != 0)
            return mount_failed(m, err, "remount read-only");
    }
    return finish_mount(sys, m, mounted.get(), err);
}

bool remount(const Syscalls& sys, const PlannedMount& m, int target_fd, ChildError& err) noexcept {
    const unsigned long bind = m.kind == MountKind::bind ? MS_BIND : 0;
    if (mount_at_fd(sys, nullptr, target_fd, nullptr, m.flags | MS_REMOUNT | bind, m.options.data.c_str()) != 0)
        return mount_failed(m, err, "remount");
    return finish_mount(sys, m, target_fd, err);
}

// The permission bits of what is at `path` already, -1 when nothing is.
int existing_mode(int root_fd, const char* path) noexcept {
    UniqueFd fd(open_in_root(root_fd, path, O_PATH));
    struct stat st {};
    return fd && fstat(fd.get(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
}

}  // namespace

bool apply_mount(const RootfsPlan& plan, const PlannedMount& m, int root_fd, const SourceCloner* cloner,
                 ChildError& err) noexcept {
    if (needs_ordinary_directory(m) && !check_ordinary_directory(m, root_fd, err)) return false;
    if (m.kind == MountKind::bind && !m.options.remount) return bind_mount(plan, m, root_fd, cloner, err);
    const int mode = m.type == "tmpfs" ? existing_mode(root_fd, m.destination.c_str()) : -1;
    UniqueFd target(open_target(m, root_fd, m.kind != MountKind::bind || m.source_is_dir, err));
    if (!target) return false;
    if (m.options.remount) return remount(*plan.sys, m, target.get(), err);
    if (m.kind == MountKind::cgroup) return mount_cgroups(plan, m, root_fd, target.get(), err);
    return filesystem_mount(plan, m, root_fd, target.get(), mode, err);
}

}  // namespace berth::linux_setup
