#include "berth/linux/mount_cgroup.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "berth/linux/mount_syscalls.hpp"
#include "berth/linux/path_in_root.hpp"
#include "berth/util/fd.hpp"
#include "berth/util/file.hpp"
#include "berth/util/mountinfo.hpp"

namespace berth::linux_setup {
namespace {

std::vector<std::string_view> split_commas(std::string_view text) {
    constexpr char sep = ',';
    std::vector<std::string_view> parts;
    while (true) {
        const auto at = text.find(sep);
        parts.push_back(text.substr(0, at));
        if (at == std::string_view::npos) return parts;
        text.remove_prefix(at + 1);
    }
}

constexpr unsigned long kCgroupFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;  // runc's defaultMountFlags

// The path of this process's cgroup in the hierarchy `controllers`, read from
// /proc/self/cgroup ("N:controllers:path") into `out`. Child-safe.
bool own_cgroup_path(const char* cgroup_file, const char* controllers, char* out, std::size_t size) noexcept {
    const std::size_t want = std::strlen(controllers);
    for (const char* line = cgroup_file; *line;) {
        const char* end = std::strchr(line, '\n');
        if (!end) end = line + std::strlen(line);
        const char* first = static_cast<const char*>(std::memchr(line, ':', static_cast<std::size_t>(end - line)));
        const char* second = first ? static_cast<const char*>(std::memchr(first + 1, ':', static_cast<std::size_t>(end - first - 1))) : nullptr;
        if (second && static_cast<std::size_t>(second - first - 1) == want && std::strncmp(first + 1, controllers, want) == 0) {
            const std::size_t len = static_cast<std::size_t>(end - second - 1);
            if (len >= size) return false;
            std::memcpy(out, second + 1, len);
            out[len] = '\0';
            return true;
        }
        line = *end ? end + 1 : end;
    }
    return false;
}

// Reads /proc/self/cgroup into `buf`. Child-safe.
bool read_own_cgroups(char* buf, std::size_t size) noexcept {
    UniqueFd fd(open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    std::size_t used = 0;
    for (;;) {
        const ssize_t n = read(fd.get(), buf + used, size - 1 - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
        if (used == size - 1) {
            errno = EOVERFLOW;
            return false;
        }
    }
    buf[used] = '\0';
    return true;
}

// <mountpoint><path below the mount's root> into `out`.
bool host_cgroup_dir(const CgroupHierarchy& h, const char* path, char* out, std::size_t size) noexcept {
    const std::size_t root_len = h.root == "/" ? 0 : h.root.size();
    if (root_len && std::strncmp(path, h.root.c_str(), root_len) != 0) {
        errno = ENOENT;  // our cgroup is outside what this mount shows
        return false;
    }
    const int n = std::snprintf(out, size, "%s%s", h.mountpoint.c_str(), path + root_len);
    return n > 0 && static_cast<std::size_t>(n) < size;
}

bool apply_propagation(const Syscalls& sys, const PlannedMount& m, int fd) noexcept {
    for (const unsigned long p : m.options.propagation)
        if (set_mount_propagation(sys, fd, p) != 0) return false;
    return true;
}

bool bind_own_cgroup(const Syscalls& sys, const CgroupHierarchy& h, const char* own_cgroups, const PlannedMount& m,
                     int dir_fd, ChildError& err) noexcept {
    char path[PATH_MAX], source[PATH_MAX];
    if (!own_cgroup_path(own_cgroups, h.controllers.c_str(), path, sizeof(path)))
        return err.fail(ENOENT, "mount cgroup: no \"%s\" entry in /proc/self/cgroup", h.controllers.c_str());
    if (!host_cgroup_dir(h, path, source, sizeof(source)))
        return err.fail(errno, "mount cgroup: locate \"%s\" in \"%s\"", path, h.mountpoint.c_str());
    UniqueFd tree(clone_mount(sys, AT_FDCWD, source, true));
    if (!tree) return err.fail(errno, "mount cgroup: open_tree \"%s\"", source);
    MountAttrChange attrs{MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0};
    if (m.flags & MS_RDONLY) attrs.set |= MOUNT_ATTR_RDONLY;
    if (set_mount_attrs(sys, tree.get(), attrs, false) != 0 || attach_mount(sys, tree.get(), dir_fd) != 0 ||
        !apply_propagation(sys, m, tree.get()))
        return err.fail(errno, "mount cgroup: bind \"%s\" to \"%s/%s\"", source, m.destination.c_str(), h.name.c_str());
    return true;
}

bool mount_hierarchy(const Syscalls& sys, const CgroupHierarchy& h, const PlannedMount& m, int dir_fd,
                     ChildError& err) noexcept {
    const bool named = h.controllers.rfind("name=", 0) == 0;
    const unsigned long flags = kCgroupFlags | (m.flags & MS_RDONLY);
    if (mount_at_fd(sys, named ? h.controllers.c_str() + 5 : "cgroup", dir_fd, "cgroup", flags, h.controllers.c_str()) != 0)
        return err.fail(errno, "mount cgroup \"%s\" to \"%s/%s\"", h.controllers.c_str(), m.destination.c_str(),
                        h.name.c_str());
    return true;
}

// Co-mounted controllers: "cpu" and "cpuacct" -> "cpu,cpuacct", as runc does.
bool link_comounted(const CgroupHierarchy& h, int tmpfs_fd, ChildError& err) noexcept {
    if (h.name.find(',') == std::string::npos) return true;
    char names[NAME_MAX + 1];
    std::snprintf(names, sizeof(names), "%s", h.name.c_str());
    for (char* save = nullptr, *part = strtok_r(names, ",", &save); part; part = strtok_r(nullptr, ",", &save))
        if (symlinkat(h.name.c_str(), tmpfs_fd, part) != 0 && errno != EEXIST)
            return err.fail(errno, "mount cgroup: symlink \"%s\" -> \"%s\"", part, h.name.c_str());
    return true;
}

bool mount_cgroup_v1(const RootfsPlan& plan, const PlannedMount& m, int root_fd, int target_fd,
                     ChildError& err) noexcept {
    const Syscalls& sys = *plan.sys;
    if (mount_at_fd(sys, "tmpfs", target_fd, "tmpfs", kCgroupFlags, plan.cgroup_tmpfs_data.c_str()) != 0)
        return err.fail(errno, "mount cgroup: tmpfs on \"%s\"", m.destination.c_str());
    UniqueFd tmpfs(open_in_root(root_fd, m.destination.c_str(), O_PATH | O_DIRECTORY));
    if (!tmpfs) return err.fail(errno, "mount cgroup: reopen \"%s\"", m.destination.c_str());
    char own[4096];
    if (!plan.cgroup_namespace && !read_own_cgroups(own, sizeof(own)))
        return err.fail(errno, "mount cgroup: read /proc/self/cgroup");
    for (const CgroupHierarchy& h : plan.cgroup_v1) {
        if (mkdirat(tmpfs.get(), h.name.c_str(), 0755) != 0 && errno != EEXIST)
            return err.fail(errno, "mount cgroup: mkdir \"%s/%s\"", m.destination.c_str(), h.name.c_str());
        UniqueFd dir(openat(tmpfs.get(), h.name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!dir) return err.fail(errno, "mount cgroup: open \"%s/%s\"", m.destination.c_str(), h.name.c_str());
        const bool ok = plan.cgroup_namespace ? mount_hierarchy(sys, h, m, dir.get(), err)
                                              : bind_own_cgroup(sys, h, own, m, dir.get(), err);
        if (!ok || !link_comounted(h, tmpfs.get(), err)) return false;
    }
    // The tmpfs is made read-only last: the directories above had to be created in it.
    if ((m.flags & MS_RDONLY) && set_mount_attrs(sys, tmpfs.get(), {MOUNT_ATTR_RDONLY, 0}, false) != 0)
        return err.fail(errno, "mount cgroup: remount \"%s\" read-only", m.destination.c_str());
    if (!apply_propagation(sys, m, tmpfs.get())) return err.fail(errno, "mount cgroup: propagation of \"%s\"", m.destination.c_str());
    return true;
}

// An empty read-only tmpfs over the destination (runc's maskPath of a directory).
bool mask_cgroup_mount(const RootfsPlan& plan, const PlannedMount& m, int target_fd, ChildError& err) noexcept {
    UniqueFd tree(new_tmpfs(true, plan.mount_label.c_str()));
    if (!tree || attach_mount(*plan.sys, tree.get(), target_fd) != 0)
        return err.fail(errno, "mount cgroup: mask \"%s\"", m.destination.c_str());
    return true;
}

bool mount_cgroup_v2(const RootfsPlan& plan, const PlannedMount& m, int target_fd, ChildError& err) noexcept {
    const unsigned long flags = kCgroupFlags | (m.flags & MS_RDONLY);
    if (plan.cgroup_namespace) {
        if (mount_at_fd(*plan.sys, "cgroup2", target_fd, "cgroup2", flags, m.options.data.c_str()) == 0) return true;
        const int refused = errno;
        if (refused != EPERM && refused != EBUSY) return err.fail(refused, "mount cgroup2 on \"%s\"", m.destination.c_str());
        // runc's fallback: the container's own cgroup, as the namespace would
        // show it; rootless without one, runc's bind finds no source (ENOENT)
        // and it masks the destination.
        if (plan.no_own_cgroup) return mask_cgroup_mount(plan, m, target_fd, err);
        if (plan.cgroups_before_namespace[0] == '\0')
            return err.fail(refused, "mount cgroup2 on \"%s\"", m.destination.c_str());
        return bind_own_cgroup(*plan.sys, plan.cgroup_unified, plan.cgroups_before_namespace.data(), m, target_fd, err);
    }
    // Without a cgroup namespace only the container's own cgroup is shown.
    char own[4096];
    if (!read_own_cgroups(own, sizeof(own))) return err.fail(errno, "mount cgroup: read /proc/self/cgroup");
    return bind_own_cgroup(*plan.sys, plan.cgroup_unified, own, m, target_fd, err);
}

}  // namespace

std::vector<CgroupHierarchy> parse_cgroup_v1_mounts(std::string_view mountinfo,
                                                    const std::vector<std::string>& controllers) {
    std::vector<CgroupHierarchy> out;
    for (MountInfo& m : parse_mountinfo(mountinfo)) {
        if (m.fstype != "cgroup") continue;
        std::string names;
        for (const auto option : split_commas(m.super_options)) {
            const bool known = std::find(controllers.begin(), controllers.end(), option) != controllers.end();
            if (!known && option.rfind("name=", 0) != 0) continue;
            if (!names.empty()) names += ',';
            names += option;
        }
        if (names.empty()) continue;
        const bool seen = std::any_of(out.begin(), out.end(), [&](const CgroupHierarchy& h) { return h.controllers == names; });
        if (seen) continue;
        CgroupHierarchy h;
        h.root = std::move(m.root);
        h.mountpoint = std::move(m.mountpoint);
        h.controllers = names;
        h.name = h.mountpoint.substr(h.mountpoint.rfind('/') + 1);
        out.push_back(std::move(h));
    }
    return out;
}

bool mounts_cgroup2_in_namespace(const RootfsPlan& plan) noexcept {
    return plan.cgroup_namespace && plan.cgroup_v1.empty() &&
           std::any_of(plan.mounts.begin(), plan.mounts.end(), [](const PlannedMount& m) { return m.kind == MountKind::cgroup; });
}

bool save_cgroups_before_namespace(RootfsPlan& plan, ChildError& err) noexcept {
    if (!mounts_cgroup2_in_namespace(plan)) return true;
    auto& own = plan.cgroups_before_namespace;
    if (!read_own_cgroups(own.data(), own.size())) return err.fail(errno, "mount cgroup: read /proc/self/cgroup");
    return true;
}

bool mount_cgroups(const RootfsPlan& plan, const PlannedMount& mount, int root_fd, int target_fd,
                   ChildError& err) noexcept {
    if (plan.cgroup_v1.empty()) return mount_cgroup_v2(plan, mount, target_fd, err);
    return mount_cgroup_v1(plan, mount, root_fd, target_fd, err);
}

}  // namespace berth::linux_setup
