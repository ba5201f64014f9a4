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

namespace berth::linux_setup {

std::string clean_container_path(std::string_view path) {
    std::vector<std::string_view> parts;
    while (!path.empty()) {
        const std::size_t slash = path.find('/');
        const std::string_view part = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(part);
    }
    std::string out;
    for (const auto part : parts) {
        out += '/';
        out += part;
    }
    return out.empty() ? "/" : out;
}

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

// Creates `name` in the directory `parent_fd`: EEXIST counts as success.
int create_entry(int parent_fd, const char* name, bool directory) noexcept {
    if (directory) {
        if (mkdirat(parent_fd, name, 0755) == 0 || errno == EEXIST) return 0;
        return -1;
    }
    const int fd = openat(parent_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) return close(fd);
    return errno == EEXIST ? 0 : -1;
}

}  // namespace

int open_or_create_in_root(int root_fd, const char* path, bool directory, uint64_t extra_resolve) noexcept {
    char buf[PATH_MAX];
    const std::size_t len = std::strlen(path);
    if (len >= sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    std::memcpy(buf, path, len + 1);
    // Each round creates one missing component below the deepest existing
    // ancestor; a component that "exists" yet cannot be resolved is a dangling
    // symlink, which we refuse rather than loop on.
    const char* last_created = nullptr;
    for (;;) {
        const int fd = open_in_root(root_fd, buf, O_PATH, extra_resolve);
        if (fd >= 0 || errno != ENOENT) return fd;

        std::size_t cut = len;
        int parent_fd = -1;
        while (parent_fd < 0) {
            while (cut > 0 && buf[cut - 1] != '/') --cut;  // start of the last component of buf[0..cut)
            if (cut == 0) {
                errno = ENOENT;  // a relative path without an existing ancestor: impossible from a root
                return -1;
            }
            // Ancestor = buf[0..cut-1) ("/" when cut == 1).
            const char saved = buf[cut - 1];
            buf[cut - 1] = '\0';
            parent_fd = open_in_root(root_fd, cut == 1 ? "/" : buf, O_PATH | O_DIRECTORY, extra_resolve);
            buf[cut - 1] = saved;
            if (parent_fd < 0 && errno != ENOENT) return -1;
            if (parent_fd < 0) --cut;  // skip the slash, try the next ancestor up
        }
        // The missing component starts at cut.
        char name[NAME_MAX + 1];
        std::size_t name_len = 0;
        while (cut + name_len < len && buf[cut + name_len] != '/') {
            if (name_len == NAME_MAX) {
                close(parent_fd);
                errno = ENAMETOOLONG;
                return -1;
            }
            name[name_len] = buf[cut + name_len];
            ++name_len;
        }
        name[name_len] = '\0';
        const bool is_last = cut + name_len == len;
        if (last_created == buf + cut) {  // created it last round and still cannot resolve it
            close(parent_fd);
            errno = ENOENT;
            return -1;
        }
        const int rc = create_entry(parent_fd, name, directory || !is_last);
        const int saved_errno = errno;
        close(parent_fd);
        if (rc < 0) {
            errno = saved_errno;
            return -1;
        }
        last_created = buf + cut;
    }
}

const char* fd_path(int fd, char* buf, std::size_t size) noexcept {
    std::snprintf(buf, size, "/proc/self/fd/%d", fd);
    return buf;
}

}  // namespace berth::linux_setup
