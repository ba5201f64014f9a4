// The child's namespace joins, config mounts and rootfs entry through the
// syscall seam (linux/syscalls.hpp): what they ask the kernel for, in which
// order, and how a refusal reads, without root and without a container.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "berth/linux/mount_apply.hpp"
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
int g_refusals = -1;          // how many times it fails (-1: every time)
std::string g_base;           // a test directory, left out of the names the calls show

int refuse(const std::string& call) noexcept {
    if (call != g_refused_call || g_refusals == 0) return 0;
    if (g_refusals > 0) --g_refusals;
    errno = g_refused_errno;
    return -1;
}

// What an fd refers to, as a path without g_base.
std::string name_of(int fd) {
    char path[PATH_MAX] = {};
    const ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), path, sizeof(path) - 1);
    std::string name = n > 0 ? std::string(path, static_cast<size_t>(n)) : "fd " + std::to_string(fd);
    if (!g_base.empty() && name.rfind(g_base, 0) == 0) name.erase(0, g_base.size());
    return name;
}

// mount(2) is given "/proc/self/fd/N" for a target opened in the rootfs.
std::string target_name(const char* target) {
    const std::string magic = "/proc/self/fd/";
    const std::string t = target;
    return t.rfind(magic, 0) == 0 ? name_of(std::stoi(t.substr(magic.size()))) : t;
}

std::string hex(unsigned long long value) {
    char text[24];
    std::snprintf(text, sizeof(text), "%#llx", value);
    return text;
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
int fake_mount(const char* source, const char* target, const char* fstype, unsigned long flags, const void* data) noexcept {
    const char* text = static_cast<const char*>(data);
    g_calls.push_back(std::string("mount ") + (source ? source : "-") + " " + target_name(target) + " " +
                      (fstype ? fstype : "-") + " " + std::to_string(flags) + (text && *text ? std::string(" ") + text : ""));
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
// The clone is the source itself, opened for real: what the steps then look
// up (fstat, statfs) is what the kernel's clone would show.
int fake_open_tree(int dirfd, const char* path, unsigned flags) noexcept {
    const bool empty = (flags & AT_EMPTY_PATH) != 0;
    g_calls.push_back("open_tree " + (empty ? name_of(dirfd) : std::string(path)) + ((flags & AT_RECURSIVE) ? " rec" : ""));
    if (refuse("open_tree") != 0) return -1;
    return empty ? ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0) : ::open(path, O_PATH | O_CLOEXEC);
}
int fake_move_mount(int from_dirfd, const char*, int to_dirfd, const char*, unsigned) noexcept {
    g_calls.push_back("move_mount " + name_of(from_dirfd) + " " + name_of(to_dirfd));
    return refuse("move_mount");
}
int fake_mount_setattr(int dirfd, const char*, unsigned flags, mount_attr* attr, size_t) noexcept {
    std::string call = "mount_setattr " + name_of(dirfd) + ((flags & AT_RECURSIVE) ? " rec" : "");
    if (attr->attr_set || attr->attr_clr) call += " set=" + hex(attr->attr_set) + " clr=" + hex(attr->attr_clr);
    if (attr->propagation) call += " prop=" + hex(attr->propagation);
    g_calls.push_back(call);
    return refuse("mount_setattr");
}

constexpr bl::Syscalls kFake = {fake_setns,  fake_unshare, fake_mount,     fake_umount2,    fake_pivot_root,   fake_chdir,
                                fake_fchdir, fake_chroot,  fake_open_tree, fake_move_mount, fake_mount_setattr};

class Seam : public ::testing::Test {
protected:
    void SetUp() override {
        g_calls.clear();
        g_refuse_nstype = 0;
        g_refuse_until_user = false;
        g_user_joined = false;
        g_refused_call.clear();
        g_refused_errno = 0;
        g_refusals = -1;
        g_base.clear();
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

// ---- the config mounts (mount_apply), one at a time ----------------------

namespace fs = std::filesystem;

// A bundle with an empty rootfs and a bind source directory, planned from a
// config's mounts by plan_rootfs (as create does) and applied through kFake.
class MountSeam : public Seam {
protected:
    void SetUp() override {
        Seam::SetUp();
        char tmpl[] = "/tmp/berth-mount-seam-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        bundle_ = tmpl;
        g_base = bundle_;
        fs::create_directories(bundle_ + "/rootfs");
        fs::create_directories(bundle_ + "/src");
    }
    void TearDown() override { fs::remove_all(bundle_); }

    void add(const std::string& destination, const std::string& type, const std::string& source,
             std::vector<std::string> options) {
        oci::Mount m;
        m.destination = destination;
        m.type = type;
        m.source = source == "src" ? bundle_ + "/src" : source;
        m.options = std::move(options);
        mounts_.push_back(std::move(m));
    }

    // Plans the mounts added and applies them in order through kFake; false
    // with `err` set at the first that fails.
    bool apply(ChildError& err) {
        oci::Spec spec;
        spec.root = oci::Root{"rootfs", false};
        spec.linux = oci::Linux{};
        spec.linux->namespaces.push_back({NamespaceType::mount, std::nullopt});
        spec.mounts = mounts_;
        auto plan = bl::plan_rootfs(spec, {bundle_, false});
        EXPECT_TRUE(plan.ok()) << (plan.ok() ? "" : plan.error().what());
        if (!plan.ok()) return false;
        plan->sys = &kFake;
        berth::UniqueFd root(::open(plan->rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        for (const bl::PlannedMount& m : plan->mounts)
            if (!bl::apply_mount(*plan, m, root.get(), nullptr, err)) return false;
        return true;
    }

    std::string bundle_;
    std::vector<oci::Mount> mounts_;
};

constexpr uint64_t kBindFlagAttrs =
    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSYMFOLLOW;

std::string setattr(const std::string& name, uint64_t set, uint64_t clear, bool recursive = false) {
    return "mount_setattr " + name + (recursive ? " rec" : "") + " set=" + hex(set) + " clr=" + hex(clear);
}
std::string propagation(const std::string& name, unsigned long type, bool recursive) {
    return "mount_setattr " + name + (recursive ? " rec" : "") + " prop=" + hex(type);
}

// runc 1.2+: the bind's own flags on the detached clone (exactly the named
// ones on, the other four off), attached by fd, then its propagation.
TEST_F(MountSeam, ABindGetsItsFlagsBeforeItIsAttachedAndItsPropagationAfter) {
    add("/data", "bind", "src", {"rbind", "ro", "nosuid", "rshared"});
    ChildError err;
    ASSERT_TRUE(apply(err)) << err.message;
    const uint64_t set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
    const std::vector<std::string> expected = {"open_tree " + bundle_ + "/src rec", setattr("/src", set, kBindFlagAttrs & ~set),
                                               "move_mount /src /rootfs/data", propagation("/src", MS_SHARED, true)};
    EXPECT_EQ(g_calls, expected);
    EXPECT_TRUE(fs::is_directory(bundle_ + "/rootfs/data")) << "the mountpoint is made in the rootfs";
}

// A source whose flags a user namespace locked (EPERM): tried again with the
// locked ones kept (runc's retry), which the source's statfs names.
TEST_F(MountSeam, ABindWhoseFlagsAreLockedIsTriedAgainKeepingThem) {
    add("/data", "bind", "src", {"bind", "ro"});
    g_refused_call = "mount_setattr";
    g_refused_errno = EPERM;
    g_refusals = 1;
    ChildError err;
    ASSERT_TRUE(apply(err)) << err.message;
    struct statfs st {};
    ASSERT_EQ(::statfs((bundle_ + "/src").c_str(), &st), 0);
    bl::MountOptions ro;
    ro.set_flags = MS_RDONLY;
    const bl::MountAttrChange kept = ro.bind_attr_change(bl::statfs_mount_flags(st.f_flags) & bl::kLockableMountFlags);
    const std::vector<std::string> expected = {"open_tree " + bundle_ + "/src", setattr("/src", MOUNT_ATTR_RDONLY, kBindFlagAttrs & ~MOUNT_ATTR_RDONLY),
                                               setattr("/src", kept.set, kept.clear), "move_mount /src /rootfs/data"};
    EXPECT_EQ(g_calls, expected);
}

// "remount": no new mount, mount(2) changes the flags of what is there.
TEST_F(MountSeam, ABindRemountChangesTheFlagsOfWhatIsMountedThere) {
    add("/data", "bind", "src", {"bind", "remount", "ro", "nodev"});
    ChildError err;
    ASSERT_TRUE(apply(err)) << err.message;
    const std::vector<std::string> expected = {"mount - /rootfs/data - " +
                                               std::to_string(MS_RDONLY | MS_NODEV | MS_REMOUNT | MS_BIND)};
    EXPECT_EQ(g_calls, expected);
}

// runc 1.2+: a tmpfs over a directory starts with its mode; the config's data
// follows (a mode= there wins). Over nothing, the data alone.
TEST_F(MountSeam, ATmpfsGetsItsDataAndTheModeOfTheDirectoryItCovers) {
    fs::create_directories(bundle_ + "/rootfs/tmp");
    ASSERT_EQ(::chmod((bundle_ + "/rootfs/tmp").c_str(), 01750), 0);
    add("/tmp", "tmpfs", "tmpfs", {"nosuid", "nodev", "size=64k"});
    add("/run", "tmpfs", "tmpfs", {"noexec", "size=1m", "mode=755"});
    ChildError err;
    ASSERT_TRUE(apply(err)) << err.message;
    const std::vector<std::string> expected = {
        "mount tmpfs /rootfs/tmp tmpfs " + std::to_string(MS_NOSUID | MS_NODEV) + " mode=1750,size=64k",
        "mount tmpfs /rootfs/run tmpfs " + std::to_string(MS_NOEXEC) + " size=1m,mode=755"};
    EXPECT_EQ(g_calls, expected);
}

// Read-only is mount(2)'s flag, except with tmpcopyup: the copy needs a
// writable tmpfs, made read-only after it.
TEST_F(MountSeam, AReadOnlyTmpfsIsMadeReadOnlyAfterItsCopyUp) {
    fs::create_directories(bundle_ + "/rootfs/etc");
    ASSERT_EQ(::chmod((bundle_ + "/rootfs/etc").c_str(), 0755), 0);
    add("/ro", "tmpfs", "tmpfs", {"ro"});
    add("/etc", "tmpfs", "tmpfs", {"ro", "tmpcopyup"});
    ChildError err;
    ASSERT_TRUE(apply(err)) << err.message;
    const std::vector<std::string> expected = {"mount tmpfs /rootfs/ro tmpfs " + std::to_string(MS_RDONLY),
                                               "mount tmpfs /rootfs/etc tmpfs 0 mode=0755",
                                               setattr("/rootfs/etc", MOUNT_ATTR_RDONLY, 0)};
    EXPECT_EQ(g_calls, expected);
}

// After a filesystem mount: its recursive attributes, then each propagation
// change in the config's order.
TEST_F(MountSeam, RecursiveAttributesThenPropagationInOrderFollowTheMount) {
    add("/m", "tmpfs", "tmpfs", {"rnoexec", "rslave", "unbindable"});
    ChildError err;
    ASSERT_TRUE(apply(err)) << err.message;
    const std::vector<std::string> expected = {"mount tmpfs /rootfs/m tmpfs 0", setattr("/rootfs/m", MOUNT_ATTR_NOEXEC, 0, true),
                                               propagation("/rootfs/m", MS_SLAVE, true),
                                               propagation("/rootfs/m", MS_UNBINDABLE, false)};
    EXPECT_EQ(g_calls, expected);
}

// A refused step ends the mount there, in runc's words with the step named.
TEST_F(MountSeam, ARefusedStepNamesTheMountAndTheStep) {
    add("/data", "bind", "src", {"rbind", "rprivate"});
    g_refused_call = "move_mount";
    g_refused_errno = EACCES;
    ChildError err;
    ASSERT_FALSE(apply(err));
    EXPECT_EQ(std::string(err.message), "error mounting \"" + bundle_ + "/src\" to rootfs at \"/data\": move_mount");
    EXPECT_EQ(err.err, EACCES);
    const std::vector<std::string> expected = {"open_tree " + bundle_ + "/src rec", "move_mount /src /rootfs/data"};
    EXPECT_EQ(g_calls, expected) << "nothing after the refused step";

    g_calls.clear();
    mounts_.clear();
    add("/u", "tmpfs", "tmpfs", {"rshared"});
    g_refused_call = "mount_setattr";
    g_refused_errno = EPERM;
    ASSERT_FALSE(apply(err));
    EXPECT_EQ(std::string(err.message), "error mounting \"tmpfs\" to rootfs at \"/u\": set propagation");
    EXPECT_EQ(err.err, EPERM);
    EXPECT_EQ(g_calls.back(), propagation("/rootfs/u", MS_SHARED, true));
}

// What is mounted on /proc must be procfs (CVE-2019-16884): here the fake
// mount made nothing, so the check sees the rootfs' own directory.
TEST_F(MountSeam, AProcThatIsNotProcfsAfterTheMountIsRefused) {
    add("/proc", "proc", "proc", {"nosuid"});
    ChildError err;
    ASSERT_FALSE(apply(err));
    EXPECT_EQ(std::string(err.message), "error mounting \"proc\" to rootfs at \"/proc\": mounted /proc is not procfs");
    EXPECT_EQ(err.err, EINVAL);
    const std::vector<std::string> expected = {"mount proc /rootfs/proc proc " + std::to_string(MS_NOSUID)};
    EXPECT_EQ(g_calls, expected);
}

// A /proc that is a symlink in the image is refused before any mount call.
TEST_F(MountSeam, AProcSymlinkIsRefusedBeforeAnythingIsMounted) {
    fs::create_directory_symlink("/etc", bundle_ + "/rootfs/proc");
    add("/proc", "proc", "proc", {});
    ChildError err;
    ASSERT_FALSE(apply(err));
    EXPECT_NE(std::string(err.message).find("must be mounted on ordinary directory"), std::string::npos) << err.message;
    EXPECT_TRUE(g_calls.empty());
}

}  // namespace
