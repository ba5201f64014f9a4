#include "berth/linux/devices.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "berth/linux/mount_syscalls.hpp"
#include "berth/linux/path_in_root.hpp"
#include "berth/util/fd.hpp"

namespace berth::linux_setup {
namespace {

// Splits "/dev/a/b" into its parent (opened, created when missing, no symlinks
// allowed) and its last component copied to `name`.
int open_parent(int root_fd, const char* path, char* name, std::size_t name_size) noexcept {
    const char* slash = std::strrchr(path, '/');
    const std::size_t parent_len = static_cast<std::size_t>(slash - path);
    if (std::strlen(slash + 1) >= name_size || parent_len >= PATH_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    std::strcpy(name, slash + 1);
    char parent[PATH_MAX];
    std::memcpy(parent, path, parent_len);
    parent[parent_len] = '\0';
    return open_or_create_in_root(root_fd, parent_len ? parent : "/", true, RESOLVE_NO_SYMLINKS);
}

int make_node(int dir_fd, const char* name, const PlannedDevice& d) noexcept {
    // Exact permissions regardless of the umask the lifecycle code runs with.
    const mode_t old_umask = umask(0);
    int rc = mknodat(dir_fd, name, d.mode, d.rdev);
    umask(old_umask);
    if (rc != 0 && errno == EEXIST) {
        // runc replaces what the image left at a device path.
        if (unlinkat(dir_fd, name, 0) != 0) return -1;
        rc = mknodat(dir_fd, name, d.mode, d.rdev);
    }
    if (rc != 0) return -1;
    return fchownat(dir_fd, name, d.uid, d.gid, AT_SYMLINK_NOFOLLOW);
}

// In a user namespace mknod is refused: bind the host's node over an empty file.
int bind_host_node(const Syscalls& sys, int dir_fd, const char* name, const PlannedDevice& d) noexcept {
    // O_EXCL: never open (and so never touch) a node the image already has there.
    const int created = openat(dir_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0000);
    if (created >= 0) close(created);
    else if (errno != EEXIST) return -1;
    UniqueFd target(openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!target) return -1;
    struct stat st {};
    if (stat(d.path.c_str(), &st) != 0) return -1;
    if ((st.st_mode & S_IFMT) != (d.mode & S_IFMT) || st.st_rdev != d.rdev) {
        errno = ENODEV;  // the host's node is not the device the config asks for
        return -1;
    }
    UniqueFd tree(clone_mount(sys, AT_FDCWD, d.path.c_str(), false));
    if (!tree) return -1;
    return attach_mount(sys, tree.get(), target.get());
}

struct Link {
    const char* target;
    const char* name;
};

constexpr Link kLinks[] = {
    {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
};

bool make_links(const RootfsPlan& plan, int root_fd, ChildError& err) noexcept {
    UniqueFd dev(open_or_create_in_root(root_fd, "/dev", true, RESOLVE_NO_SYMLINKS));
    if (!dev) return err.fail(errno, "open /dev in the rootfs");
    for (const Link& link : kLinks)
        if (symlinkat(link.target, dev.get(), link.name) != 0 && errno != EEXIST)
            return err.fail(errno, "symlink \"/dev/%s\" -> \"%s\"", link.name, link.target);
    if (plan.host_has_kcore && symlinkat("/proc/kcore", dev.get(), "core") != 0 && errno != EEXIST)
        return err.fail(errno, "symlink \"/dev/core\" -> \"/proc/kcore\"");
    // /dev/ptmx must be the devpts instance's multiplexer, whatever the image had.
    if (unlinkat(dev.get(), "ptmx", 0) != 0 && errno != ENOENT) return err.fail(errno, "remove \"/dev/ptmx\"");
    if (symlinkat("pts/ptmx", dev.get(), "ptmx") != 0) return err.fail(errno, "symlink \"/dev/ptmx\" -> \"pts/ptmx\"");
    return true;
}

}  // namespace

bool create_devices(const RootfsPlan& plan, int root_fd, ChildError& err) noexcept {
    for (const PlannedDevice& d : plan.devices) {
        char name[NAME_MAX + 1];
        UniqueFd dir(open_parent(root_fd, d.path.c_str(), name, sizeof(name)));
        if (!dir) return err.fail(errno, "create device \"%s\": open parent", d.path.c_str());
        const int rc = plan.user_namespace ? bind_host_node(*plan.sys, dir.get(), name, d) : make_node(dir.get(), name, d);
        if (rc != 0) return err.fail(errno, "create device \"%s\"", d.path.c_str());
    }
    return make_links(plan, root_fd, err);
}

}  // namespace berth::linux_setup
