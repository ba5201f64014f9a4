// Lookups and creation inside a rootfs by fd: symlinks in the image can never
// lead outside it (CVE-2021-30465, CVE-2024-45310), and tmpcopyup's copy.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "berth/linux/mount_tmpcopyup.hpp"
#include "berth/linux/path_in_root.hpp"
#include "berth/util/fd.hpp"

namespace berth::linux_setup {
namespace {

namespace fs = std::filesystem;

class PathInRoot : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/berth-path-in-root-XXXXXX";
        base_ = ::mkdtemp(tmpl);
        root_ = base_ + "/rootfs";
        outside_ = base_ + "/outside";
        fs::create_directories(root_);
        fs::create_directories(outside_);
        root_fd_.reset(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        ASSERT_TRUE(root_fd_.valid());
    }
    void TearDown() override { fs::remove_all(base_); }

    // The path `fd` refers to, via its /proc magic link.
    static std::string path_of(int fd) { return fs::read_symlink("/proc/self/fd/" + std::to_string(fd)).string(); }

    std::string base_, root_, outside_;
    UniqueFd root_fd_;
};

TEST_F(PathInRoot, CreatesMissingDirectoriesAndFiles) {
    UniqueFd dir(open_or_create_in_root(root_fd_.get(), "/a/b/c", true));
    ASSERT_TRUE(dir.valid()) << std::strerror(errno);
    EXPECT_TRUE(fs::is_directory(root_ + "/a/b/c"));
    UniqueFd file(open_or_create_in_root(root_fd_.get(), "/x/y/file", false));
    ASSERT_TRUE(file.valid()) << std::strerror(errno);
    EXPECT_TRUE(fs::is_regular_file(root_ + "/x/y/file"));
    EXPECT_TRUE(fs::is_directory(root_ + "/x/y"));
    EXPECT_EQ(path_of(file.get()), root_ + "/x/y/file");
}

TEST_F(PathInRoot, AbsoluteSymlinkResolvesInsideTheRoot) {
    fs::create_symlink(outside_, root_ + "/evil");  // points at a real host directory
    UniqueFd fd(open_or_create_in_root(root_fd_.get(), "/evil/target", true));
    ASSERT_TRUE(fd.valid()) << std::strerror(errno);
    EXPECT_FALSE(fs::exists(outside_ + "/target"));
    EXPECT_TRUE(fs::is_directory(root_ + outside_ + "/target"));
    EXPECT_EQ(path_of(fd.get()), root_ + outside_ + "/target");
}

TEST_F(PathInRoot, DotDotSymlinkCannotClimbOut) {
    fs::create_symlink("../../../../outside", root_ + "/up");
    UniqueFd fd(open_or_create_in_root(root_fd_.get(), "/up/created", false));
    ASSERT_TRUE(fd.valid()) << std::strerror(errno);
    EXPECT_FALSE(fs::exists(outside_ + "/created"));
    EXPECT_TRUE(fs::is_regular_file(root_ + "/outside/created"));
}

TEST_F(PathInRoot, DanglingSymlinkAsLastComponentCreatesItsTarget) {
    fs::create_symlink("/real/conf", root_ + "/conf");  // runc issue 2683
    UniqueFd fd(open_or_create_in_root(root_fd_.get(), "/conf", true));
    ASSERT_TRUE(fd.valid()) << std::strerror(errno);
    EXPECT_TRUE(fs::is_directory(root_ + "/real/conf"));
}

TEST_F(PathInRoot, SymlinkLoopFails) {
    fs::create_symlink("loop2", root_ + "/loop1");
    fs::create_symlink("loop1", root_ + "/loop2");
    errno = 0;
    EXPECT_LT(open_or_create_in_root(root_fd_.get(), "/loop1/x", true), 0);
    EXPECT_EQ(errno, ELOOP);
}

TEST_F(PathInRoot, NoSymlinksModeRefusesAnySymlink) {
    fs::create_directories(root_ + "/real");
    fs::create_symlink("real", root_ + "/dev");
    errno = 0;
    EXPECT_LT(open_or_create_in_root(root_fd_.get(), "/dev/null", false, RESOLVE_NO_SYMLINKS), 0);
    EXPECT_EQ(errno, ELOOP);
    EXPECT_FALSE(fs::exists(root_ + "/real/null"));
}

TEST_F(PathInRoot, FileInTheWayOfADirectoryIsAnError) {
    std::ofstream(root_ + "/file") << "x";
    errno = 0;
    EXPECT_LT(open_or_create_in_root(root_fd_.get(), "/file/sub", true), 0);
    EXPECT_EQ(errno, ENOTDIR);
}

TEST_F(PathInRoot, SymlinkToHostProcStaysInTheRoot) {
    fs::create_symlink("/proc/self/root", root_ + "/magic");
    // RESOLVE_IN_ROOT reads the target as <root>/proc/self/root, which does not exist.
    errno = 0;
    EXPECT_LT(open_in_root(root_fd_.get(), "/magic/etc", O_PATH), 0);
    EXPECT_EQ(errno, ENOENT);
}

TEST_F(PathInRoot, TmpcopyupCopiesTreeWithModesAndLinks) {
    const std::string src = base_ + "/src", dst = base_ + "/dst";
    fs::create_directories(src + "/dir/deeper");
    fs::create_directories(dst);
    std::ofstream(src + "/dir/deeper/file") << "payload";
    fs::permissions(src + "/dir/deeper/file", fs::perms::owner_read | fs::perms::group_read);
    fs::create_symlink("dir/deeper/file", src + "/link");
    ASSERT_EQ(::mkfifo((src + "/fifo").c_str(), 0640), 0);
    fs::permissions(src, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
    UniqueFd from(::open(src.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    UniqueFd to(::open(dst.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_EQ(copy_directory_tree(from.get(), to.get()), 0) << std::strerror(errno);
    std::ifstream copied(dst + "/dir/deeper/file");
    std::string text;
    copied >> text;
    EXPECT_EQ(text, "payload");
    EXPECT_EQ(fs::status(dst + "/dir/deeper/file").permissions(), fs::perms::owner_read | fs::perms::group_read);
    EXPECT_EQ(fs::read_symlink(dst + "/link"), "dir/deeper/file");
    EXPECT_EQ(fs::status(dst + "/fifo").type(), fs::file_type::fifo);
    EXPECT_EQ(fs::status(dst).permissions(), fs::status(src).permissions());
}

}  // namespace
}  // namespace berth::linux_setup
