// CVE-2019-5736 self-protection without a container: the test binary itself
// plays berth. It is built into a writable build directory, so
// protect_own_binary() must move it onto a read-only overlayfs: as root in
// place (the running image switched to the overlay's file, no re-exec);
// without CAP_SYS_ADMIN over our mount namespace by a re-exec from one made in
// a user namespace of its own, or, where that is refused too, from a sealed
// memfd. Either way the process then checks that its /proc/self/exe cannot be
// opened for writing, the way the exploit does it.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "berth/linux/self_protect.hpp"

namespace bl = berth::linux_setup;

namespace {

constexpr const char* kExpectEnv = "BERTH_SELF_PROTECT_EXPECT";

enum class Privileges {
    // As we are (root).
    host,
    // Root of a new user namespace that maps our ids: no CAP_SYS_ADMIN over the
    // mount namespace, but may make user namespaces (as a rootless user).
    mapped_userns,
    // A new user namespace without mappings: may not make user namespaces either.
    unmapped_userns,
};

bool write_proc_self(const char* file, const char* text) {
    const int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = write(fd, text, std::strlen(text)) == static_cast<ssize_t>(std::strlen(text));
    close(fd);
    return ok;
}

bool enter_userns(Privileges privileges) {
    if (privileges == Privileges::host) return true;
    const std::string uid = std::to_string(geteuid()), gid = std::to_string(getegid());
    if (unshare(CLONE_NEWUSER) != 0) return false;
    if (privileges == Privileges::unmapped_userns) return true;
    return write_proc_self("/proc/self/setgroups", "deny") &&
           write_proc_self("/proc/self/uid_map", ("0 " + uid + " 1").c_str()) &&
           write_proc_self("/proc/self/gid_map", ("0 " + gid + " 1").c_str());
}

// Forks, moves into a new user namespace as `privileges` says, and re-execs this
// binary through protect_own_binary(); returns the re-executed test's exit status.
int reexec_protected(const char* expect, Privileges privileges) {
    const pid_t pid = fork();
    if (pid == 0) {
        if (!enter_userns(privileges)) _exit(97);
        setenv(kExpectEnv, expect, 1);
        std::string filter = "--gtest_filter=SelfProtectReexecuted.*";
        char* argv[] = {const_cast<char*>("berth-security-tests"), filter.data(), nullptr};
        const berth::Status s = bl::protect_own_binary(argv, environ);
        std::fprintf(stderr, "protect_own_binary returned: %s\n", s ? "ok (no re-exec)" : s.error().what().c_str());
        _exit(98);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The exploit's steps against our own /proc/self/exe: an O_PATH handle,
// reopened for writing. Returns the errno of that open (0: it opened).
int reopen_own_exe_for_writing() {
    const int handle = open("/proc/self/exe", O_PATH | O_CLOEXEC);
    if (handle < 0) return -1;
    const std::string reopen = "/proc/self/fd/" + std::to_string(handle);
    errno = 0;
    const int w = open(reopen.c_str(), O_WRONLY | O_CLOEXEC);
    const int open_errno = w >= 0 ? 0 : errno;
    if (w >= 0) close(w);
    close(handle);
    return open_errno;
}

// Lines of /proc/self/maps that map the file `st` describes.
int mappings_of(const struct stat& st) {
    std::ifstream maps("/proc/self/maps");
    int found = 0;
    for (std::string line; std::getline(maps, line);) {
        std::istringstream fields(line);
        std::string range, perms, offset, dev;
        unsigned long inode = 0;
        fields >> range >> perms >> offset >> dev >> inode;
        unsigned major_no = 0, minor_no = 0;
        if (std::sscanf(dev.c_str(), "%x:%x", &major_no, &minor_no) != 2) continue;
        found += inode == st.st_ino && makedev(major_no, minor_no) == st.st_dev;
    }
    return found;
}

// A test binary on a writable mount re-executed with `privileges` must come
// back from `expect` ("overlay" or "memfd"); 97: no user namespace here.
void expect_protected_reexec(const char* expect, Privileges privileges) {
    auto p = bl::own_binary_protection();
    ASSERT_TRUE(p) << p.error().what();
    if (*p != bl::ExeProtection::needs_reexec) GTEST_SKIP() << "test binary is not on a writable mount";
    const int r = reexec_protected(expect, privileges);
    if (r == 97) GTEST_SKIP() << "user namespaces not available";
    EXPECT_EQ(r, 0);
}

}  // namespace

TEST(SelfProtect, WritableBinaryNeedsProtection) {
    auto p = bl::own_binary_protection();
    ASSERT_TRUE(p) << p.error().what();
    if (*p != bl::ExeProtection::needs_reexec) GTEST_SKIP() << "test binary is not on a writable mount";
    // The unprotected binary is exactly what the exploit writes through.
    const int fd = open("/proc/self/exe", O_PATH | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    close(fd);
}

// Root: no re-exec. The running image is switched to the overlay's file; what
// keeps running is this process, which must then pass the exploit's checks,
// map nothing of the writable file any more (or the kernel would not have
// moved /proc/self/exe) and still work (gtest's own code, our globals).
TEST(SelfProtect, SwitchesToReadOnlyOverlayInPlace) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (fsopen overlay)";
    auto p = bl::own_binary_protection();
    ASSERT_TRUE(p) << p.error().what();
    if (*p != bl::ExeProtection::needs_reexec) GTEST_SKIP() << "test binary is not on a writable mount";
    struct stat original {};
    ASSERT_EQ(stat("/proc/self/exe", &original), 0);
    ASSERT_GT(mappings_of(original), 0);
    const pid_t pid = fork();
    if (pid == 0) {
        // Were it re-executed, this binary would run the test below and fail there.
        setenv(kExpectEnv, "in-place", 1);
        std::string filter = "--gtest_filter=SelfProtectReexecuted.ExeCannotBeWritten";
        char* argv[] = {const_cast<char*>("berth-security-tests"), filter.data(), nullptr};
        const berth::Status s = bl::protect_own_binary(argv, environ);
        int failures = 0;
        auto check = [&failures](bool ok, const char* what) {
            if (!ok) std::fprintf(stderr, "failed: %s\n", what), ++failures;
        };
        check(static_cast<bool>(s), s ? "" : s.error().what().c_str());
        const auto now = bl::own_binary_protection();
        check(now && *now == bl::ExeProtection::read_only_mount, "/proc/self/exe is on a read-only mount");
        check(std::strcmp(bl::own_binary_protection_name(), "a read-only overlayfs") == 0, "it is the overlayfs");
        check(reopen_own_exe_for_writing() == EROFS, "the exploit's reopen for writing fails with EROFS");
        check(mappings_of(original) == 0, "nothing maps the writable binary any more");
        check(bl::exe_mount_fd() >= 3 && fcntl(bl::exe_mount_fd(), F_GETFD) == FD_CLOEXEC,
              "the overlay's mount fd is kept, close-on-exec, for release_exe_mount");
        bl::release_exe_mount();
        check(static_cast<bool>(bl::protect_own_binary(argv, environ)), "a second call finds it protected");
        std::fflush(stderr);
        _exit(failures == 0 ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

// The overlay's second layer is /dev; a binary under /dev cannot sit on top of
// it (overlayfs refuses nested layers), so it gets an empty tmpfs instead:
// a copy of this binary in /dev/shm must still end up on a read-only overlay.
TEST(SelfProtect, BinaryUnderDevGetsTheOverlayToo) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (fsopen overlay)";
    char copy[] = "/dev/shm/berth-it-self-protect-XXXXXX";
    const int fd = mkstemp(copy);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    const std::string command = "cp /proc/" + std::to_string(getpid()) + "/exe " + copy + " && chmod 0700 " + copy + " && " +
                                copy + " --gtest_filter=SelfProtect.SwitchesToReadOnlyOverlayInPlace 2>&1";
    close(fd);
    std::string output;
    FILE* p = popen(command.c_str(), "r");
    ASSERT_NE(p, nullptr);
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) output.append(buf, n);
    const int status = pclose(p);
    unlink(copy);
    EXPECT_EQ(status, 0) << output;
    // Ran, not skipped (a skipped test exits 0 too).
    EXPECT_NE(output.find("[       OK ] SelfProtect.SwitchesToReadOnlyOverlayInPlace"), std::string::npos) << output;
}

// Rootless: no CAP_SYS_ADMIN over the host's mount namespace, but a user
// namespace of its own may be made: the overlay is made there.
TEST(SelfProtect, UnprivilegedReexecsFromOverlayInOwnUserNamespace) {
    expect_protected_reexec("overlay", Privileges::mapped_userns);
}

// Where no user namespace can be made either (here: our ids are not mapped).
TEST(SelfProtect, FallsBackToSealedMemfd) {
    expect_protected_reexec("memfd", Privileges::unmapped_userns);
}

// Runs only inside the re-executed binary.
TEST(SelfProtectReexecuted, ExeCannotBeWritten) {
    const char* expect = std::getenv(kExpectEnv);
    if (expect == nullptr) GTEST_SKIP() << "only meaningful after protect_own_binary() re-executed us";
    ASSERT_STRNE(expect, "in-place") << "re-executed where root's switch in place was expected";
    auto p = bl::own_binary_protection();
    ASSERT_TRUE(p) << p.error().what();
    if (std::strcmp(expect, "overlay") == 0) {
        EXPECT_EQ(*p, bl::ExeProtection::read_only_mount);
    } else {
        EXPECT_EQ(*p, bl::ExeProtection::sealed_memfd);
    }
    // The CVE-2019-5736 exploit: an O_PATH handle, reopened for writing.
    const int open_errno = reopen_own_exe_for_writing();
    ASSERT_GE(open_errno, 0) << "open /proc/self/exe O_PATH";
    EXPECT_NE(open_errno, 0) << "reopened for writing";
    if (std::strcmp(expect, "overlay") == 0) {
        // Not ETXTBSY, which only holds while the binary runs: the exploit
        // waits for that. The overlay refuses writes for good.
        EXPECT_EQ(open_errno, EROFS) << std::strerror(open_errno);
    } else {
        // While it runs the kernel says ETXTBSY; afterwards the write seals
        // (checked by own_binary_protection() above) refuse every write.
        EXPECT_EQ(open_errno, ETXTBSY) << std::strerror(open_errno);
    }
    // Already protected: no second re-exec.
    char* argv[] = {const_cast<char*>("unused"), nullptr};
    EXPECT_TRUE(bl::protect_own_binary(argv, environ));
}

// Runs only inside the re-executed binary: the overlay's mount fd came along
// (self_protect.hpp, adopt_exe_mount) and is taken once, close-on-exec.
TEST(SelfProtectReexecuted, ExeMountIsAdopted) {
    const char* expect = std::getenv(kExpectEnv);
    if (expect == nullptr) GTEST_SKIP() << "only meaningful after protect_own_binary() re-executed us";
    const bool overlay = std::strcmp(expect, "overlay") == 0;
    EXPECT_EQ(std::getenv("BERTH_EXE_MOUNT_FD") != nullptr, overlay);
    const int fd = bl::adopt_exe_mount();
    EXPECT_EQ(std::getenv("BERTH_EXE_MOUNT_FD"), nullptr);
    if (!overlay) {
        EXPECT_EQ(fd, -1);  // the memfd copy has no mount
        return;
    }
    ASSERT_GE(fd, 3);
    EXPECT_EQ(bl::exe_mount_fd(), fd);
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    bl::release_exe_mount();
    EXPECT_EQ(bl::exe_mount_fd(), -1);
    EXPECT_LT(fcntl(fd, F_GETFD), 0);
}

// A BERTH_EXE_MOUNT_FD that does not name the root of our own overlay (a
// caller's fd, garbage) is dropped from the environment and the fd left alone.
TEST(SelfProtect, ForeignExeMountFdIsLeftAlone) {
    const int fd = open("/dev/null", O_RDONLY);  // inheritable, as a caller's would be
    ASSERT_GE(fd, 3);
    for (const std::string& value : {std::to_string(fd), std::string("x"), std::string("2")}) {
        setenv("BERTH_EXE_MOUNT_FD", value.c_str(), 1);
        EXPECT_EQ(bl::adopt_exe_mount(), -1) << value;
        EXPECT_EQ(std::getenv("BERTH_EXE_MOUNT_FD"), nullptr);
        EXPECT_EQ(fcntl(fd, F_GETFD), 0) << value;  // still open, flags untouched
    }
    close(fd);
}
