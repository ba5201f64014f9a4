// CVE-2019-5736 self-protection without a container: the test binary itself
// plays berth. It is built into a writable build directory, so
// protect_own_binary() must re-exec it from a read-only overlayfs (without
// CAP_SYS_ADMIN over our mount namespace, one made in a user namespace of its
// own; where that is refused too, a sealed memfd); the re-executed
// binary runs SelfProtectReexecuted.* and checks that its /proc/self/exe
// cannot be opened for writing, the way the exploit does it.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

TEST(SelfProtect, ReexecsFromReadOnlyOverlay) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (fsopen overlay)";
    expect_protected_reexec("overlay", Privileges::host);
}

// The overlay's second layer is /dev; a binary under /dev cannot sit on top of
// it (overlayfs refuses nested layers), so it gets an empty tmpfs instead:
// a copy of this binary in /dev/shm must still re-exec from a read-only overlay.
TEST(SelfProtect, BinaryUnderDevGetsTheOverlayToo) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (fsopen overlay)";
    char copy[] = "/dev/shm/berth-it-self-protect-XXXXXX";
    const int fd = mkstemp(copy);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    const std::string command = "cp /proc/" + std::to_string(getpid()) + "/exe " + copy + " && chmod 0700 " + copy + " && " +
                                copy + " --gtest_filter=SelfProtect.ReexecsFromReadOnlyOverlay 2>&1";
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
    EXPECT_NE(output.find("[       OK ] SelfProtect.ReexecsFromReadOnlyOverlay"), std::string::npos) << output;
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
    auto p = bl::own_binary_protection();
    ASSERT_TRUE(p) << p.error().what();
    if (std::strcmp(expect, "overlay") == 0) {
        EXPECT_EQ(*p, bl::ExeProtection::read_only_mount);
    } else {
        EXPECT_EQ(*p, bl::ExeProtection::sealed_memfd);
    }
    // The CVE-2019-5736 exploit: an O_PATH handle, reopened for writing.
    const int handle = open("/proc/self/exe", O_PATH | O_CLOEXEC);
    ASSERT_GE(handle, 0);
    const std::string reopen = "/proc/self/fd/" + std::to_string(handle);
    errno = 0;
    const int w = open(reopen.c_str(), O_WRONLY | O_CLOEXEC);
    const int open_errno = errno;
    if (w >= 0) close(w);
    EXPECT_LT(w, 0);
    if (std::strcmp(expect, "overlay") == 0) {
        // Not ETXTBSY, which only holds while the binary runs: the exploit
        // waits for that. The overlay refuses writes for good.
        EXPECT_EQ(open_errno, EROFS) << std::strerror(open_errno);
    } else {
        // While it runs the kernel says ETXTBSY; afterwards the write seals
        // (checked by own_binary_protection() above) refuse every write.
        EXPECT_EQ(open_errno, ETXTBSY) << std::strerror(open_errno);
    }
    close(handle);
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
