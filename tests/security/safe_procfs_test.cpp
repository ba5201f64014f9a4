// The private procfs handle used for LSM label writes (CVE-2019-16884,
// CVE-2025-52881): it is a real procfs root, resolves our own thread's files
// without following symlinks, and refuses a handle that is not procfs.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <string>

#include "berth/linux/safe_procfs.hpp"

namespace bl = berth::linux_setup;

TEST(SafeProcfs, ReadsOwnThreadFiles) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (fsopen proc / open_tree)";
    auto procfs = bl::open_private_procfs();
    ASSERT_TRUE(procfs) << procfs.error().what();
    berth::ChildError err;
    const int fd = bl::open_thread_self(procfs->get(), "status", O_RDONLY, err);
    ASSERT_GE(fd, 0) << err.message;
    char buf[4096] = {};
    ASSERT_GT(read(fd, buf, sizeof(buf) - 1), 0);
    close(fd);
    EXPECT_NE(std::string(buf).find("\nPid:\t" + std::to_string(getpid()) + "\n"), std::string::npos) << buf;
}

TEST(SafeProcfs, WritesOwnThreadFiles) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (fsopen proc / open_tree)";
    auto procfs = bl::open_private_procfs();
    ASSERT_TRUE(procfs) << procfs.error().what();
    char before[16] = {};
    prctl(PR_GET_NAME, before);
    berth::ChildError err;
    ASSERT_TRUE(bl::write_thread_self(procfs->get(), "comm", "berth-procfs", 12, err)) << err.message;
    char after[16] = {};
    prctl(PR_GET_NAME, after);
    EXPECT_STREQ(after, "berth-procfs");
    prctl(PR_SET_NAME, before);
}

TEST(SafeProcfs, RefusesAHandleThatIsNotProcfs) {
    const int tmp = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(tmp, 0);
    berth::ChildError err;
    EXPECT_LT(bl::open_thread_self(tmp, "attr/exec", O_WRONLY, err), 0);
    EXPECT_NE(err.err, 0);
    close(tmp);
}
