// CVE-2019-5736: overwriting the host runtime binary through /proc/PID/exe.
//
// A created container's init is a clone of berth waiting on the exec fifo,
// inside the container: exactly the process the exploit targets. Like the
// exploit we take an O_PATH handle on its /proc/PID/exe, let it exit, and then
// reopen the handle for writing. On a vulnerable runtime that open succeeds
// (the binary is no longer busy) and one byte written back in place proves it
// (we write the byte that is already there, so nothing changes).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

class Cve2019_5736 : public IntegrationTest {};

TEST_F(Cve2019_5736, InitExeCannotBeWrittenThrough) {
    auto bundle = make_bundle();
    bundle.write();
    const std::string id = last_id();
    auto created = run_berth("create", "--bundle", bundle.path(), id);
    ASSERT_EQ(created.exit_code, 0) << created.describe();
    const int pid = state_of(id).pid;
    ASSERT_GT(pid, 0);
    const int handle = open(("/proc/" + std::to_string(pid) + "/exe").c_str(), O_PATH | O_CLOEXEC);
    ASSERT_GE(handle, 0) << std::strerror(errno);
    auto deleted = run_berth("delete", "--force", id);
    ASSERT_EQ(deleted.exit_code, 0) << deleted.describe();

    const std::string reopen = "/proc/self/fd/" + std::to_string(handle);
    errno = 0;
    const int w = open(reopen.c_str(), O_RDWR | O_CLOEXEC);
    const int open_errno = errno;
    close(handle);
    if (w < 0) {
        // EROFS (read-only overlay/mount) or EPERM: refused for good. ETXTBSY
        // would only mean some other process still runs the same binary.
        EXPECT_TRUE(open_errno == EROFS || open_errno == EPERM) << std::strerror(open_errno);
        return;
    }
    char first = 0;
    ASSERT_EQ(pread(w, &first, 1, 0), 1);
    errno = 0;
    const ssize_t n = pwrite(w, &first, 1, 0);  // same byte: harmless if it succeeds
    const int write_errno = errno;
    close(w);
    EXPECT_EQ(n, -1) << "the runtime binary is writable through /proc/PID/exe";
    EXPECT_EQ(write_errno, EPERM) << std::strerror(write_errno);  // a sealed memfd
}

// The init is not dumpable until execve (CVE-2016-9962 too): another process
// of the same uid without CAP_SYS_PTRACE cannot open its /proc/PID/exe.
TEST_F(Cve2019_5736, InitIsNotDumpableBeforeExec) {
    auto bundle = make_bundle();
    bundle.write();
    const std::string id = last_id();
    auto created = run_berth("create", "--bundle", bundle.path(), id);
    ASSERT_EQ(created.exit_code, 0) << created.describe();
    const int pid = state_of(id).pid;
    ASSERT_GT(pid, 0);
    // A root process without CAP_SYS_PTRACE (dropped from every set) plays the
    // container process.
    auto probe = run_command({"/usr/bin/setpriv", "--inh-caps=-all", "--bounding-set=-sys_ptrace", "--",
                              "/bin/sh", "-c", "readlink /proc/" + std::to_string(pid) + "/exe"},
                             dir() + "/ptrace-probe");
    EXPECT_NE(probe.exit_code, 0) << probe.describe();
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
}

}  // namespace
}  // namespace berth::test
