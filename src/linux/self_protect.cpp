#include "berth/linux/self_protect.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "berth/util/fd.hpp"

// Linux 6.3 (vm.memfd_noexec): ask for an executable memfd explicitly. Not in
// Debian 12's kernel headers yet.
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

namespace berth::linux_setup {
namespace {

constexpr int kWriteSeals = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

// The re-exec hands the overlay's mount fd to the new image under this name
// (see release_exe_mount in the header).
constexpr const char* kExeMountEnv = "BERTH_EXE_MOUNT_FD";

// The adopted mount fd (adopt_exe_mount), until release_exe_mount.
UniqueFd g_exe_mount;

// The protection an open file already has; `fd` must be opened O_RDONLY
// (F_GET_SEALS does not work on O_PATH descriptors).
std::optional<ExeProtection> protection_of(int fd) {
    const int seals = fcntl(fd, F_GET_SEALS);
    if (seals >= 0 && (seals & kWriteSeals) == kWriteSeals) return ExeProtection::sealed_memfd;
    struct statvfs vfs {};
    if (fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0) return ExeProtection::read_only_mount;
    return std::nullopt;
}

Result<UniqueFd> open_own_exe() {
    UniqueFd fd(open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (!fd) return Error::from_errno("open \"/proc/self/exe\"");
    return fd;
}

// The decimal digits of a non-negative `n` after `out`.
char* put_number(char* out, int n) noexcept {
    char digits[12];
    int len = 0;
    do digits[len++] = static_cast<char>('0' + n % 10); while ((n /= 10) != 0);
    while (len > 0) *out++ = digits[--len];
    return out;
}

char* put_fd_path(char* out, int fd) noexcept {
    constexpr char kPrefix[] = "/proc/self/fd/";
    std::memcpy(out, kPrefix, sizeof(kPrefix) - 1);
    return put_number(out + sizeof(kPrefix) - 1, fd);
}

// The two mounts both overlay paths make, without allocating (the user
// namespace helper below runs them between vfork and exit). Each returns the
// new mount's fd, or -1 with errno; the fs context it opened is left in
// `*ctx` (or -1) for the caller to close.

// A detached, empty, read-only tmpfs: the second layer overlayfs needs when
// it has no upper layer (one layer twice is refused as overlapping). Only
// when kSecondLayer cannot serve: each extra mount costs an RCU grace period
// when its handle is closed.
int mount_empty_tmpfs(int* ctx) noexcept {
    *ctx = static_cast<int>(syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC));
    if (*ctx < 0 || syscall(SYS_fsconfig, *ctx, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) return -1;
    return static_cast<int>(syscall(SYS_fsmount, *ctx, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY));
}

// A detached, read-only overlayfs of the directory `top` over `second`, no
// upper layer. Layers are passed as /proc/self/fd paths of our own handles,
// so no ':' or ',' in the binary's path can confuse the option parser.
int mount_overlay_of(int top, int second, int* ctx) noexcept {
    char lowerdir[64];
    char* end = put_fd_path(lowerdir, top);
    *end++ = ':';
    *put_fd_path(end, second) = '\0';
    *ctx = static_cast<int>(syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC));
    if (*ctx < 0 || syscall(SYS_fsconfig, *ctx, FSCONFIG_SET_STRING, "lowerdir", lowerdir, 0) != 0) return -1;
    // Inode numbers are not used: no xino (the kernel logs when layers are on different filesystems).
    (void)syscall(SYS_fsconfig, *ctx, FSCONFIG_SET_STRING, "xino", "off", 0);
    if (syscall(SYS_fsconfig, *ctx, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) return -1;
    return static_cast<int>(
        syscall(SYS_fsmount, *ctx, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID));
}

Result<UniqueFd> empty_layer() {
    int ctx = -1;
    UniqueFd mnt(mount_empty_tmpfs(&ctx));
    UniqueFd context(ctx);
    if (!mnt) return Error::from_errno("empty tmpfs layer");
    return mnt;
}

// The usual second layer: a directory every host has, writable by root only,
// that is neither inside nor above any sensible binary directory (overlayfs
// refuses nested layers). It lies below the binary's directory, so nothing in
// it can hide the binary; runc >= 1.2 uses its state directory the same way.
constexpr const char* kSecondLayer = "/dev";

// A read-only overlayfs of `dir` (opened as dir_fd) over `second`.
Result<UniqueFd> overlay_over(const std::string& dir, int dir_fd, int second) {
    int ctx = -1;
    UniqueFd mnt(mount_overlay_of(dir_fd, second, &ctx));
    UniqueFd context(ctx);
    if (!mnt) return Error::from_errno("overlayfs over \"" + dir + "\"");
    return mnt;
}

// The overlay over kSecondLayer, or over an empty tmpfs where that is refused
// (a binary under /dev: nested layers).
Result<UniqueFd> mount_overlay(const std::string& dir, int dir_fd) {
    if (UniqueFd second(open(kSecondLayer, O_PATH | O_DIRECTORY | O_CLOEXEC)); second)
        if (auto mnt = overlay_over(dir, dir_fd, second.get())) return mnt;
    BERTH_TRY_ASSIGN(UniqueFd empty, empty_layer());
    return overlay_over(dir, dir_fd, empty.get());
}

// Where the running binary lies: its absolute path split into directory and name.
struct ExeLocation {
    std::string path, dir, name;
};

Result<ExeLocation> exe_location() {
    char link[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", link, sizeof(link) - 1);
    if (n <= 0) return Error::from_errno("readlink \"/proc/self/exe\"");
    ExeLocation at;
    at.path.assign(link, static_cast<size_t>(n));
    const size_t slash = at.path.rfind('/');
    if (at.path[0] != '/' || slash == std::string::npos)
        return Error::msg("berth binary path \"" + at.path + "\" is not absolute");
    at.dir = slash == 0 ? "/" : at.path.substr(0, slash);
    at.name = at.path.substr(slash + 1);
    return at;
}

// The binary opened through `mnt` (an overlay whose top layer is `dir_fd`),
// if the path still names the running binary (it may have been replaced since
// we started; checked on the real directory: overlayfs may report its own
// inode numbers).
Result<UniqueFd> open_checked(const ExeLocation& at, int dir_fd, int mnt, const struct stat& exe) {
    struct stat st {};
    if (fstatat(dir_fd, at.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return Error::from_errno("stat \"" + at.path + "\"");
    if (st.st_dev != exe.st_dev || st.st_ino != exe.st_ino)
        return Error::msg("\"" + at.path + "\" is no longer the running berth binary");
    UniqueFd file(openat(mnt, at.name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!file) return Error::from_errno("open \"" + at.name + "\" in the overlayfs");
    return file;
}

// The binary seen through a detached overlayfs whose lower layers are its own
// directory (on top) and kSecondLayer. Nothing is copied and nothing appears in any
// mount table; overlayfs without an upper layer cannot be written to even if
// someone clears the mount's read-only flag (runc >= 1.2 does the same).
Result<UniqueFd> open_through_overlay(const ExeLocation& at, const struct stat& exe, UniqueFd& mount) {
    UniqueFd dir_fd(open(at.dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd) return Error::from_errno("open \"" + at.dir + "\"");
    BERTH_TRY_ASSIGN(UniqueFd mnt, mount_overlay(at.dir, dir_fd.get()));
    BERTH_TRY_ASSIGN(UniqueFd file, open_checked(at, dir_fd.get(), mnt.get(), exe));
    mount = std::move(mnt);
    return file;
}

// Without CAP_SYS_ADMIN (rootless), the same overlay made by a helper in a
// user and mount namespace of its own: overlayfs may be mounted there (Linux
// 5.11), and the detached mount it returns can be executed from ours. The
// helper shares our memory and fd table and runs while we wait (vfork), so
// it is a few system calls and no allocation. Its mount namespace is a copy
// of ours with every mount locked, and overlayfs refuses a lower layer with
// locked mounts below it (/dev always has some), so the second layer is an
// empty detached tmpfs. Writable by nobody as above: no upper layer; only
// processes of our own user outside any container hold capabilities over
// that user namespace, and they cannot make overlayfs write either. Saves
// the copy of the binary into a memfd (~1.5 ms of CPU for 2 MiB).
struct UsernsOverlay {
    const char* dir = nullptr;  // in: the binary's directory
    // out, in our fd table (-1 where not reached); the caller closes them:
    int dir_fd = -1;       // the binary's directory, opened in the helper's namespace (the top layer)
    int tmpfs = -1;        // the empty tmpfs's fs context
    int empty = -1;        // its detached mount (the second layer)
    int overlay = -1;      // the overlay's fs context
    int mount = -1;        // the overlay's mount
    int failed_errno = 0;  // why not (0: success)
};

int userns_overlay_helper(void* arg) noexcept {
    auto* job = static_cast<UsernsOverlay*>(arg);
    job->dir_fd = open(job->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (job->dir_fd >= 0) job->empty = mount_empty_tmpfs(&job->tmpfs);
    if (job->empty >= 0) job->mount = mount_overlay_of(job->dir_fd, job->empty, &job->overlay);
    if (job->mount >= 0) return 0;
    job->failed_errno = errno != 0 ? errno : EINVAL;
    return 1;
}

Result<UniqueFd> open_through_userns_overlay(const ExeLocation& at, const struct stat& exe, UniqueFd& mount) {
    UsernsOverlay job;
    job.dir = at.dir.c_str();
    std::vector<char> stack(64 * 1024);
    const pid_t pid = clone(userns_overlay_helper, stack.data() + stack.size(),
                            CLONE_VM | CLONE_VFORK | CLONE_FILES | CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, &job);
    if (pid < 0) return Error::from_errno("clone a user namespace for the overlayfs");
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    UniqueFd dir_fd(job.dir_fd), tmpfs(job.tmpfs), empty(job.empty), overlay(job.overlay), mnt(job.mount);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errno = job.failed_errno;
        return Error::from_errno("overlayfs over \"" + at.dir + "\" in a user namespace");
    }
    BERTH_TRY_ASSIGN(UniqueFd file, open_checked(at, dir_fd.get(), mnt.get(), exe));
    mount = std::move(mnt);
    return file;
}

// The binary through an overlay, made by us or, without the privileges, by a helper.
Result<UniqueFd> open_without_copy(const struct stat& exe, UniqueFd& mount) {
    BERTH_TRY_ASSIGN(const ExeLocation at, exe_location());
    if (auto file = open_through_overlay(at, exe, mount)) return file;
    return open_through_userns_overlay(at, exe, mount);
}

// Fallback: a sealed in-memory copy (costs a copy of the binary per command).
Result<UniqueFd> sealed_copy(int exe, const struct stat& st) {
    UniqueFd mem(memfd_create("berth", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC));
    if (!mem && errno == EINVAL) mem.reset(memfd_create("berth", MFD_CLOEXEC | MFD_ALLOW_SEALING));  // before 6.3
    if (!mem) return Error::from_errno("memfd_create");
    off_t offset = 0;
    while (offset < st.st_size) {
        const ssize_t n = sendfile(mem.get(), exe, &offset, static_cast<size_t>(st.st_size - offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return Error::from_errno("copy the berth binary into a memfd");
    }
    if (fcntl(mem.get(), F_ADD_SEALS, kWriteSeals) != 0) return Error::from_errno("seal the berth memfd");
    return mem;
}

// `envp` without any kExeMountEnv of the caller's, plus ours naming `fd`.
std::vector<char*> env_with_exe_mount(char* const envp[], int fd, std::string& entry) {
    entry = std::string(kExeMountEnv) + "=" + std::to_string(fd);
    std::vector<char*> out;
    const size_t prefix = std::strlen(kExeMountEnv);
    for (char* const* e = envp; *e != nullptr; ++e)
        if (std::strncmp(*e, kExeMountEnv, prefix) != 0 || (*e)[prefix] != '=') out.push_back(*e);
    out.push_back(entry.data());
    out.push_back(nullptr);
    return out;
}

// The mount id of what `fd` (or, with AT_FDCWD, `path`) names; 0 when unknown.
uint64_t mount_id(int fd, const char* path, int flags) {
    struct statx stx {};
    if (statx(fd, path, flags, STATX_MNT_ID, &stx) != 0 || !(stx.stx_mask & STATX_MNT_ID)) return 0;
    return stx.stx_mnt_id;
}

}  // namespace

Result<ExeProtection> own_binary_protection() {
    BERTH_TRY_ASSIGN(UniqueFd exe, open_own_exe());
    return protection_of(exe.get()).value_or(ExeProtection::needs_reexec);
}

const char* own_binary_protection_name() {
    auto exe = open_own_exe();
    if (!exe) return "nothing";
    struct statfs fs {};
    switch (protection_of(exe->get()).value_or(ExeProtection::needs_reexec)) {
    case ExeProtection::sealed_memfd: return "a sealed memfd";
    case ExeProtection::read_only_mount:
        return fstatfs(exe->get(), &fs) == 0 && fs.f_type == OVERLAYFS_SUPER_MAGIC ? "a read-only overlayfs"
                                                                                : "a read-only mount";
    case ExeProtection::needs_reexec: break;
    }
    return "nothing";
}

Status protect_own_binary(char* const argv[], char* const envp[]) {
    BERTH_TRY_ASSIGN(UniqueFd exe, open_own_exe());
    if (protection_of(exe.get())) return {};
    struct stat st {};
    if (fstat(exe.get(), &st) != 0) return Error::from_errno("fstat \"/proc/self/exe\"");
    UniqueFd mount;
    Result<UniqueFd> safe = open_without_copy(st, mount);
    if (!safe) safe = sealed_copy(exe.get(), st);
    if (!safe) return std::move(safe).error().wrap("protect the berth binary (CVE-2019-5736)");
    // Only re-exec into something the check above accepts, so this runs once.
    if (!protection_of(safe->get()))
        return Error::msg("protect the berth binary (CVE-2019-5736): the protected copy is still writable");
    // The overlay's mount fd goes along (inheritable, at the lowest free
    // number) for the new image to close when it waits anyway; where that
    // fails it is closed here, as before.
    std::string entry;
    std::vector<char*> env;
    if (mount) {
        const int inherited = fcntl(mount.get(), F_DUPFD, 3);
        if (inherited >= 0) env = env_with_exe_mount(envp, inherited, entry);
    }
    syscall(SYS_execveat, safe->get(), "", argv, env.empty() ? envp : env.data(), AT_EMPTY_PATH);
    return Error::from_errno("protect the berth binary (CVE-2019-5736): re-exec");
}

int adopt_exe_mount() {
    const char* named = std::getenv(kExeMountEnv);
    if (named == nullptr) return -1;
    char* end = nullptr;
    const long fd = std::strtol(named, &end, 10);
    const bool number = *named != '\0' && *end == '\0' && fd >= 3 && fd <= INT_MAX;
    unsetenv(kExeMountEnv);  // never handed on (hooks, CRIU)
    if (!number) return -1;
    // Only the root of the mount this binary runs from: anything else in the
    // variable (a caller's own fd) is left alone.
    struct statfs fs {};
    const uint64_t exe_mount = mount_id(AT_FDCWD, "/proc/self/exe", 0);
    if (exe_mount == 0 || fstatfs(static_cast<int>(fd), &fs) != 0 || fs.f_type != OVERLAYFS_SUPER_MAGIC ||
        mount_id(static_cast<int>(fd), "", AT_EMPTY_PATH) != exe_mount)
        return -1;
    if (fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC) != 0) return -1;
    g_exe_mount.reset(static_cast<int>(fd));
    return static_cast<int>(fd);
}

int exe_mount_fd() { return g_exe_mount.get(); }

void release_exe_mount() { g_exe_mount.reset(); }

bool set_dumpable(bool dumpable, ChildError& err) noexcept {
    if (prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0, 0, 0, 0) != 0) return err.fail(errno, "prctl(PR_SET_DUMPABLE)");
    return true;
}

}  // namespace berth::linux_setup
