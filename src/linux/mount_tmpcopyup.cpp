#include "berth/linux/mount_tmpcopyup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "berth/util/fd.hpp"

namespace berth::linux_setup {
namespace {

// Deep enough for any sane image directory, bounded so a hostile tree cannot
// exhaust the child's stack.
constexpr int kMaxDepth = 32;

int copy_metadata(int dir_fd, const char* name, const struct stat& st) noexcept {
    if (fchownat(dir_fd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) return -1;
    if (!S_ISLNK(st.st_mode) && fchmodat(dir_fd, name, st.st_mode & 07777, 0) != 0) return -1;
    const timespec times[2] = {st.st_atim, st.st_mtim};
    return utimensat(dir_fd, name, times, AT_SYMLINK_NOFOLLOW);
}

int copy_file(int src_dir, int dst_dir, const char* name, const struct stat& st) noexcept {
    UniqueFd in(openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) return -1;
    UniqueFd out(openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) return -1;
    for (off_t left = st.st_size; left > 0;) {
        const ssize_t n = sendfile(out.get(), in.get(), nullptr, static_cast<size_t>(left));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return n == 0 ? 0 : -1;  // the file shrank: copy what is there
        left -= n;
    }
    return 0;
}

int copy_entries(int src_dir, int dst_dir, int depth) noexcept;

int copy_entry(int src_dir, int dst_dir, const char* name, int depth) noexcept {
    struct stat st {};
    if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return -1;
    if (S_ISDIR(st.st_mode)) {
        if (depth >= kMaxDepth) {
            errno = ELOOP;
            return -1;
        }
        if (mkdirat(dst_dir, name, 0700) != 0) return -1;
        UniqueFd src(openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        UniqueFd dst(openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!src || !dst || copy_entries(src.get(), dst.get(), depth + 1) != 0) return -1;
    } else if (S_ISREG(st.st_mode)) {
        if (copy_file(src_dir, dst_dir, name, st) != 0) return -1;
    } else if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        const ssize_t n = readlinkat(src_dir, name, target, sizeof(target) - 1);
        if (n < 0) return -1;
        target[n] = '\0';
        if (symlinkat(target, dst_dir, name) != 0) return -1;
    } else if (mknodat(dst_dir, name, st.st_mode & ~07777, st.st_rdev) != 0) {  // devices, fifos, sockets
        return -1;
    }
    return copy_metadata(dst_dir, name, st);
}

int copy_entries(int src_dir, int dst_dir, int depth) noexcept {
    alignas(8) char buf[2048];
    for (;;) {
        const long n = syscall(SYS_getdents64, src_dir, buf, sizeof(buf));
        if (n < 0) return -1;
        if (n == 0) return 0;
        for (long off = 0; off < n;) {
            auto* entry = reinterpret_cast<dirent64*>(buf + off);
            off += entry->d_reclen;
            const char* name = entry->d_name;
            if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
            if (copy_entry(src_dir, dst_dir, name, depth) != 0) return -1;
        }
    }
}

}  // namespace

int copy_directory_tree(int src_fd, int dst_fd) noexcept {
    struct stat st {};
    if (fstat(src_fd, &st) != 0) return -1;
    if (copy_entries(src_fd, dst_fd, 0) != 0) return -1;
    if (fchown(dst_fd, st.st_uid, st.st_gid) != 0 || fchmod(dst_fd, st.st_mode & 07777) != 0) return -1;
    return 0;
}

}  // namespace berth::linux_setup
