#include "berth/linux/self_protect.hpp"

#include <fcntl.h>
#include <link.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sched.h>
#include <linux/prctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "berth/util/fd.hpp"
#include "berth/util/file.hpp"

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

// The binary through an overlay, made by us (`ours`: we hold CAP_SYS_ADMIN
// over our user namespace) or, without the privileges, by a helper.
Result<UniqueFd> open_without_copy(const struct stat& exe, UniqueFd& mount, bool& ours) {
    BERTH_TRY_ASSIGN(const ExeLocation at, exe_location());
    ours = true;
    if (auto file = open_through_overlay(at, exe, mount)) return file;
    ours = false;
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

// Root's way to the protected binary without a second exec: the running image
// is pointed at the protected file (set_exe_file) instead of being loaded
// again from it. The kernel moves /proc/self/exe only once no mapping of the
// old file is left, so each segment is mapped anew first: the read-only ones
// from the protected file (overlayfs maps the lower file's page cache: nothing
// is read or copied), the writable one (data, and the RELRO part relocated at
// start-up) as an anonymous copy of what it holds now. That is the process a
// re-exec would give, less the second image load and libc start-up (0.3 ms
// of CPU here, most of it glibc's cpuid probing, which traps to the
// hypervisor). A failure half-way leaves the same bytes at the same addresses:
// the caller re-executes as before.

// The executable's file-backed segments, page-aligned as the ELF loader mapped them.
struct Segment {
    uintptr_t start = 0, end = 0;
    off_t offset = 0;
    int prot = 0;
};
struct Image {
    Segment segments[8];
    size_t count = 0;
    bool complete = true;
    uintptr_t relro_start = 0, relro_end = 0;  // read-only since start-up, written before
};

uintptr_t page_down(uintptr_t a) { return a & ~(static_cast<uintptr_t>(getpagesize()) - 1); }
uintptr_t page_up(uintptr_t a) { return page_down(a + static_cast<uintptr_t>(getpagesize()) - 1); }

int collect_segments(dl_phdr_info* info, size_t, void* out) noexcept {
    auto& image = *static_cast<Image*>(out);
    for (size_t i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        const uintptr_t at = info->dlpi_addr + ph.p_vaddr;
        if (ph.p_type == PT_GNU_RELRO) {  // as glibc's _dl_protect_relro rounds it
            image.relro_start = page_down(at);
            image.relro_end = page_down(at + ph.p_memsz);
        }
        if (ph.p_type != PT_LOAD || ph.p_filesz == 0) continue;
        if (image.count == std::size(image.segments)) {
            image.complete = false;
            continue;
        }
        image.segments[image.count++] = {page_down(at), page_up(at + ph.p_filesz), static_cast<off_t>(page_down(ph.p_offset)),
                                         ((ph.p_flags & PF_R) ? PROT_READ : 0) | ((ph.p_flags & PF_W) ? PROT_WRITE : 0) |
                                             ((ph.p_flags & PF_X) ? PROT_EXEC : 0)};
    }
    return 1;  // the first object is the executable
}

// Maps `s` again at its address: the file's bytes from `fd`, or for the
// writable segment an anonymous copy (nothing else runs between the copy and
// the move: we are single-threaded).
bool remap_segment(const Segment& s, const Image& image, int fd) {
    const size_t len = s.end - s.start;
    void* at = reinterpret_cast<void*>(s.start);
    if ((s.prot & PROT_WRITE) == 0) return mmap(at, len, s.prot, MAP_PRIVATE | MAP_FIXED, fd, s.offset) == at;
    void* copy = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (copy == MAP_FAILED) return false;
    std::memcpy(copy, at, len);
    if (mremap(copy, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, at) != at) {
        munmap(copy, len);
        return false;
    }
    if (s.prot != (PROT_READ | PROT_WRITE) && mprotect(at, len, s.prot) != 0) return false;
    const uintptr_t from = std::max(s.start, image.relro_start), to = std::min(s.end, image.relro_end);
    return from >= to || mprotect(reinterpret_cast<void*>(from), to - from, PROT_READ) == 0;
}

// `fd` as /proc/self/exe. PR_SET_MM_EXE_FILE needs CAP_SYS_RESOURCE, which
// hosts running berth in a container (this one) drop; PR_SET_MM_MAP, as CRIU
// restores a process, needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE and the
// whole layout, which is handed back as it is (proc(5): stat fields 26-28 and
// 45-51, the auxv, the current break).
bool set_exe_file(int fd) {
    const auto stat = read_file("/proc/self/stat");
    const auto auxv = read_file("/proc/self/auxv");
    if (!stat || !auxv) return false;
    bool complete = true;
    auto field = [&](int n) -> __u64 {
        const std::string_view text = proc_stat_field(*stat, n);
        __u64 value = 0;
        complete = complete && std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc();
        return value;
    };
    prctl_mm_map map{};
    map.start_code = field(26);
    map.end_code = field(27);
    map.start_stack = field(28);
    map.start_data = field(45);
    map.end_data = field(46);
    map.start_brk = field(47);
    map.arg_start = field(48);
    map.arg_end = field(49);
    map.env_start = field(50);
    map.env_end = field(51);
    if (!complete) return false;
    map.brk = static_cast<uint64_t>(syscall(SYS_brk, 0));
    map.auxv = reinterpret_cast<__u64*>(const_cast<char*>(auxv->data()));
    map.auxv_size = static_cast<uint32_t>(auxv->size());
    map.exe_fd = static_cast<uint32_t>(fd);
    return prctl(PR_SET_MM, PR_SET_MM_MAP, &map, sizeof(map), 0) == 0;
}

bool switch_exe_in_place(int fd) {
    Image image;
    dl_iterate_phdr(collect_segments, &image);
    if (image.count == 0 || !image.complete) return false;
    for (size_t i = 0; i < image.count; ++i)
        if (!remap_segment(image.segments[i], image, fd)) return false;
    return set_exe_file(fd);
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
    bool own_overlay = false;
    Result<UniqueFd> safe = open_without_copy(st, mount, own_overlay);
    if (!safe) safe = sealed_copy(exe.get(), st);
    if (!safe) return std::move(safe).error().wrap("protect the berth binary (CVE-2019-5736)");
    // Only re-exec into something the check above accepts, so this runs once.
    if (!protection_of(safe->get()))
        return Error::msg("protect the berth binary (CVE-2019-5736): the protected copy is still writable");
    if (own_overlay && switch_exe_in_place(safe->get())) {
        BERTH_TRY_ASSIGN(UniqueFd now, open_own_exe());
        if (!protection_of(now.get()))
            return Error::msg("protect the berth binary (CVE-2019-5736): /proc/self/exe still writable after the switch");
        g_exe_mount = std::move(mount);  // closed by release_exe_mount, as an adopted one
        return {};
    }
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
