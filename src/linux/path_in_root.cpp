#include "berth/linux/path_in_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <vector>

#include "berth/util/fd.hpp"

namespace berth::linux_setup {

int open_in_root(int root_fd, const char* path, int flags, uint64_t extra_resolve) noexcept {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve;
    int fd;
    do {
        fd = static_cast<int>(syscall(SYS_openat2, root_fd, path, &how, sizeof(how)));
    } while (fd < 0 && errno == EAGAIN);  // openat2 asks for a retry when a rename raced the lookup
    return fd;
}

namespace {

// Creates `name` in the directory `parent_fd`: 0 when created, 1 when
// something already exists under that name, -1 on error.
int create_entry(int parent_fd, const char* name, bool directory) noexcept {
    int rc;
    if (directory) {
        rc = mkdirat(parent_fd, name, 0755);
    } else {
        const int fd = openat(parent_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        rc = fd >= 0 ? close(fd) : -1;
    }
    if (rc == 0) return 0;
    return errno == EEXIST ? 1 : -1;
}

// Where the missing component of `path` is: opens the deepest existing
// ancestor and sets [*start, *end) to the component below it.
int open_deepest_ancestor(int root_fd, char* path, std::size_t len, uint64_t extra_resolve, std::size_t* start,
                          std::size_t* end) noexcept {
    std::size_t cut = len;
    for (;;) {
        while (cut > 0 && path[cut - 1] != '/') --cut;  // start of the last component of path[0..cut)
        if (cut == 0) {
            errno = ENOENT;  // not even "/" resolves
            return -1;
        }
        const char saved = path[cut - 1];
        path[cut - 1] = '\0';
        const int fd = open_in_root(root_fd, cut == 1 ? "/" : path, O_PATH | O_DIRECTORY, extra_resolve);
        path[cut - 1] = saved;
        if (fd >= 0) {
            *start = cut;
            *end = cut;
            while (*end < len && path[*end] != '/') ++*end;
            return fd;
        }
        if (errno != ENOENT) return -1;
        --cut;  // step over the slash to the next ancestor up
    }
}

// Replaces path[start, end) (a symlink) by its target, as path resolution
// would: an absolute target restarts from the root, a relative one from the
// symlink's directory. openat2 keeps the result inside the root either way.
int expand_symlink(int parent_fd, const char* name, char* path, std::size_t* len, std::size_t start,
                   std::size_t end) noexcept {
    char target[PATH_MAX];
    const ssize_t n = readlinkat(parent_fd, name, target, sizeof(target));
    if (n < 0) return -1;
    const std::size_t target_len = static_cast<std::size_t>(n);
    const std::size_t prefix = target[0] == '/' ? 0 : start;
    const std::size_t rest = *len - end;
    if (prefix + target_len + rest >= PATH_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    std::memmove(path + prefix + target_len, path + end, rest + 1);
    std::memcpy(path + prefix, target, target_len);
    *len = prefix + target_len + rest;
    return 0;
}

}  // namespace

int open_or_create_in_root(int root_fd, const char* path, bool directory, uint64_t extra_resolve) noexcept {
    char buf[PATH_MAX];
    std::size_t len = std::strlen(path);
    if (len >= sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    std::memcpy(buf, path, len + 1);
    // Each round creates the first missing component, or replaces a dangling
    // symlink by its target (so the target gets created inside the rootfs, as
    // runc's SecureJoin + MkdirAll do). Bounded like the kernel's symlink limit.
    int symlinks = 0;
    for (int rounds = 0;; ++rounds) {
        if (rounds > 1024) {  // only a concurrent remover could get us here
            errno = ELOOP;
            return -1;
        }
        const int fd = open_in_root(root_fd, buf, O_PATH, extra_resolve);
        if (fd >= 0 || errno != ENOENT) return fd;
        std::size_t start, end;
        UniqueFd parent(open_deepest_ancestor(root_fd, buf, len, extra_resolve, &start, &end));
        if (!parent) return -1;
        char name[NAME_MAX + 1];
        if (end - start > NAME_MAX) {
            errno = ENAMETOOLONG;
            return -1;
        }
        std::memcpy(name, buf + start, end - start);
        name[end - start] = '\0';
        const int rc = create_entry(parent.get(), name, directory || end < len);
        if (rc < 0) return -1;
        if (rc == 0) continue;
        // It exists, yet the path did not resolve: a dangling symlink.
        struct stat st {};
        if (fstatat(parent.get(), name, &st, AT_SYMLINK_NOFOLLOW) != 0) return -1;
        if (!S_ISLNK(st.st_mode) || (extra_resolve & RESOLVE_NO_SYMLINKS) || ++symlinks > 40) {
            errno = S_ISLNK(st.st_mode) ? ELOOP : ENOENT;
            return -1;
        }
        if (expand_symlink(parent.get(), name, buf, &len, start, end) != 0) return -1;
    }
}

const char* fd_path(int fd, char* buf, std::size_t size) noexcept {
    std::snprintf(buf, size, "/proc/self/fd/%d", fd);
    return buf;
}

}  // namespace berth::linux_setup
