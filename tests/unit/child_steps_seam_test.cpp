// The child's namespace joins and rootfs entry through the syscall seam
// (linux/syscalls.hpp): what they ask the kernel for, in which order, and how
// a refusal reads, without root and without a container.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "berth/linux/namespaces.hpp"
#include "berth/linux/rootfs.hpp"
#include "berth/linux/syscalls.hpp"

namespace {

namespace bl = berth::linux_setup;
using berth::ChildError;
using oci::NamespaceType;

// What the fake kernel was asked, one line a call, and what it refuses:
// plain globals, as the table holds plain function pointers.
std::vector<std::string> g_calls;
int g_refuse_nstype = 0;      // setns of this type fails with EPERM ...
bool g_refuse_until_user = false;  // ... only until the user namespace is joined
bool g_user_joined = false;
std::string g_refused_call;   // "pivot_root", "umount2", ... fails with g_refused_errno
int g_refused_errno = 0;

int refuse(const std::string& call) noexcept {
    if (call != g_refused_call) return 0;
    errno = g_refused_errno;
    return -1;
}

int fake_setns(int, int nstype) noexcept {
    g_calls.push_back("setns " + std::to_string(nstype));
    if (nstype == CLONE_NEWUSER) g_user_joined = true;
    if (nstype == g_refuse_nstype && !(g_refuse_until_user && g_user_joined)) {
        errno = EPERM;
        return -1;
    }
    return 0;
}
int fake_unshare(int flags) noexcept {
    g_calls.push_back("unshare " + std::to_string(flags));
    return refuse("unshare");
}
int fake_mount(const char* source, const char* target, const char* fstype, unsigned long flags, const void*) noexcept {
    g_calls.push_back(std::string("mount ") + (source ? source : "-") + " " + target + " " + (fstype ? fstype : "-") + " " +
                      std::to_string(flags));
    return refuse(std::string("mount ") + target);
}
int fake_umount2(const char* target, int flags) noexcept {
    g_calls.push_back(std::string("umount2 ") + target + " " + std::to_string(flags));
    return refuse("umount2");
}
int fake_pivot_root(const char* new_root, const char* put_old) noexcept {
    g_calls.push_back(std::string("pivot_root ") + new_root + " " + put_old);
    return refuse("pivot_root");
}
int fake_chdir(const char* path) noexcept {
    g_calls.push_back(std::string("chdir ") + path);
    return refuse("chdir");
}
int fake_fchdir(int) noexcept {
    g_calls.push_back("fchdir");
    return 0;
}
int fake_chroot(const char* path) noexcept {
    g_calls.push_back(std::string("chroot ") + path);
    return 0;
}

constexpr bl::Syscalls kFake = {fake_setns, fake_unshare, fake_mount, fake_umount2, fake_pivot_root, fake_chdir, fake_fchdir, fake_chroot};

class Seam : public ::testing::Test {
protected:
    void SetUp() override {
        g_calls.clear();
        g_refuse_nstype = 0;
        g_refuse_until_user = false;
        g_user_joined = false;
        g_refused_call.clear();
        g_refused_errno = 0;
    }
    static bl::NamespaceJoin join(NamespaceType type, int nstype) {
        return {type, nstype, "/proc/1/ns/x", berth::UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC))};
    }
};

// nsenter's two passes (runc PR 4492): what the current privileges allow,
// then the user namespace, then what it refused before.
TEST_F(Seam, JoinsWhatItMayThenTheUserNamespaceThenTheRest) {
    bl::NamespacePlan plan;
    plan.sys = &kFake;
    plan.joins.push_back(join(NamespaceType::user, CLONE_NEWUSER));
    plan.joins.push_back(join(NamespaceType::network, CLONE_NEWNET));
    plan.joins.push_back(join(NamespaceType::ipc, CLONE_NEWIPC));
    plan.new_cgroup = true;
    g_refuse_nstype = CLONE_NEWNET;
    g_refuse_until_user = true;
    ChildError err;
    ASSERT_TRUE(bl::join_namespaces(plan, err)) << err.message;
    const std::vector<std::string> expected = {
        "setns " + std::to_string(CLONE_NEWNET),  "setns " + std::to_string(CLONE_NEWIPC),
        "setns " + std::to_string(CLONE_NEWUSER), "setns " + std::to_string(CLONE_NEWNET),
        "unshare " + std::to_string(CLONE_NEWCGROUP)};
    EXPECT_EQ(g_calls, expected);
}

TEST_F(Seam, AJoinRefusedEvenAfterTheUserNamespaceNamesIt) {
    bl::NamespacePlan plan;
    plan.sys = &kFake;
    plan.joins.push_back(join(NamespaceType::network, CLONE_NEWNET));
    g_refuse_nstype = CLONE_NEWNET;
    ChildError err;
    ASSERT_FALSE(bl::join_namespaces(plan, err));
    EXPECT_STREQ(err.message, "setns network namespace \"/proc/1/ns/x\"");
    EXPECT_EQ(err.err, EPERM);
    EXPECT_EQ(g_calls.size(), 2u);  // tried in the first pass and again in the last
}

// Before any mount of the container's: "/" made rslave (nothing propagates to
// the host), the rootfs' parent mount private (pivot_root wants it so), the
// rootfs bound onto itself (every later mount lands on that mount).
TEST_F(Seam, SettingUpTheRootfsFirstCutsPropagationAndBindsTheRootfs) {
    bl::RootfsPlan plan;
    plan.sys = &kFake;
    plan.rootfs = ::testing::TempDir();  // opened for real after the (fake) self-bind
    plan.root_propagation = MS_SLAVE | MS_REC;
    plan.parent_mount_private = true;
    plan.rootfs_parent_mount = "/parent";
    plan.setup_dev = false;
    ChildError err;
    ASSERT_TRUE(bl::setup_rootfs(plan, err)) << err.message;
    const std::vector<std::string> expected = {"mount - / - " + std::to_string(MS_SLAVE | MS_REC),
                                               "mount - /parent - " + std::to_string(MS_PRIVATE),
                                               "mount " + plan.rootfs + " " + plan.rootfs + " - " + std::to_string(MS_BIND | MS_REC)};
    EXPECT_EQ(g_calls, expected);

    g_calls.clear();
    g_refused_call = "mount " + plan.rootfs;
    g_refused_errno = EACCES;
    ASSERT_FALSE(bl::setup_rootfs(plan, err));
    EXPECT_EQ(std::string(err.message), "bind rootfs \"" + plan.rootfs + "\" onto itself");
    EXPECT_EQ(err.err, EACCES);
}

// pivot_root(".", ".") in the new root, then the old root detached without
// propagating to the host, then the rootfsPropagation on the new "/".
TEST_F(Seam, EnteringTheRootfsPivotsAndDetachesTheOldRoot) {
    bl::RootfsPlan plan;
    plan.sys = &kFake;
    plan.rootfs = "/";  // opened for real (O_PATH): any directory does
    plan.final_propagation = MS_SHARED | MS_REC;
    ChildError err;
    ASSERT_TRUE(bl::enter_rootfs(plan, err)) << err.message;
    const std::vector<std::string> expected = {
        "fchdir", "pivot_root . .", "fchdir", "mount - . - " + std::to_string(MS_SLAVE | MS_REC),
        "umount2 . " + std::to_string(MNT_DETACH), "chdir /", "mount - / - " + std::to_string(MS_SHARED | MS_REC)};
    EXPECT_EQ(g_calls, expected);
}

TEST_F(Seam, ARefusedPivotRootNamesTheRootfs) {
    bl::RootfsPlan plan;
    plan.sys = &kFake;
    plan.rootfs = "/";
    g_refused_call = "pivot_root";
    g_refused_errno = EINVAL;
    ChildError err;
    ASSERT_FALSE(bl::enter_rootfs(plan, err));
    EXPECT_STREQ(err.message, "pivot_root \"/\"");
    EXPECT_EQ(err.err, EINVAL);
}

// --no-pivot: the host's full procfs goes first (rslave, detached, or covered
// with a tmpfs when the kernel refuses to detach it), then MS_MOVE and chroot.
TEST_F(Seam, WithoutPivotTheHostsProcfsIsCoveredWhenItCannotBeDetached) {
    bl::RootfsPlan plan;
    plan.sys = &kFake;
    plan.rootfs = "/";
    plan.no_pivot = true;
    plan.host_kernel_mounts = {"/proc"};
    g_refused_call = "umount2";
    g_refused_errno = EPERM;
    ChildError err;
    ASSERT_TRUE(bl::enter_rootfs(plan, err)) << err.message;
    const std::vector<std::string> expected = {
        "mount - /proc - " + std::to_string(MS_SLAVE | MS_REC), "umount2 /proc " + std::to_string(MNT_DETACH),
        "mount tmpfs /proc tmpfs 0", "chdir /", "mount / / - " + std::to_string(MS_MOVE), "chroot .", "chdir /"};
    EXPECT_EQ(g_calls, expected);
}

}  // namespace
