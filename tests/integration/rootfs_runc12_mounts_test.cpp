// Mount behaviour runc 1.2+ has (and runc 1.3.6's mounts.bats and idmap.bats
// check): a bind's flags are exactly the ones the config names, locked flags
// in a user namespace are kept, a tmpfs takes the mode of the directory it
// covers, per-mount uidMappings/gidMappings idmap a bind, and bind sources
// are looked up in the container's mount namespace mount by mount.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

namespace fs = std::filesystem;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

oci::Mount bind_mount(std::string destination, std::string source, std::vector<std::string> options) {
    oci::Mount m;
    m.destination = std::move(destination);
    m.type = "bind";
    m.source = std::move(source);
    m.options = std::move(options);
    return m;
}

oci::Mount tmpfs(std::string destination, std::vector<std::string> options) {
    oci::Mount m;
    m.destination = std::move(destination);
    m.type = "tmpfs";
    m.source = "tmpfs";
    m.options = std::move(options);
    return m;
}

// The /proc/self/mountinfo line in `text` of the mount at `target`.
std::string line_of(const std::string& text, const std::string& target) {
    const auto at = text.find(" " + target + " ");
    if (at == std::string::npos) return "";
    const auto start = text.rfind('\n', at);
    const auto begin = start == std::string::npos ? 0 : start + 1;
    return text.substr(begin, text.find('\n', at) - begin);
}

// Its per-mount options column, with commas around: ",rw,nosuid,relatime,".
std::string options_of(const std::string& text, const std::string& target) {
    const std::string line = line_of(text, target);
    const auto at = line.find(" " + target + " ");
    if (at == std::string::npos) return "";
    const auto start = at + target.size() + 2;
    return "," + line.substr(start, line.find(' ', start) - start) + ",";
}

class RuncMounts : public IntegrationTest {
    // With BERTH_TEST_RUNTIME set to runc 1.2 or later these tests check themselves.
    bool runtime_is_runc_1_2_or_later() {
        const std::string out = run_berth("--version").out;
        const auto at = out.find("runc version ");
        if (at == std::string::npos) return false;
        int major = 0, minor = 0;
        return std::sscanf(out.c_str() + at, "runc version %d.%d", &major, &minor) == 2 &&
               (major > 1 || (major == 1 && minor >= 2));
    }

protected:
    void SetUp() override {
        IntegrationTest::SetUp();
        if (!runtime_is_berth() && !runtime_is_runc_1_2_or_later())
            GTEST_SKIP() << "the reference runtime predates runc 1.2's mount semantics";
    }

    RunResult run_shell(Bundle& bundle, const std::string& script) {
        bundle.spec.process->args = {"sh", "-c", script};
        bundle.write();
        return run_berth("run", "--bundle", bundle.path(), last_id());
    }

    // A tmpfs in our private mount namespace with `flags`, unmounted at the end.
    std::string flagged_source(const std::string& name, unsigned long flags) {
        const std::string path = dir() + "/" + name;
        fs::create_directories(path);
        EXPECT_EQ(::mount("tmpfs", path.c_str(), "tmpfs", flags, "mode=755"), 0) << path;
        sources_.push_back(path);
        return path;
    }

    void TearDown() override {
        for (auto it = sources_.rbegin(); it != sources_.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
        IntegrationTest::TearDown();
    }

private:
    std::vector<std::string> sources_;
};

// ---- bind flags -----------------------------------------------------------

TEST_F(RuncMounts, BindFlagsAreExactlyTheNamedOnes) {
    const std::string source = flagged_source("flagged", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME);
    auto bundle = make_bundle();
    bundle.spec.mounts.push_back(bind_mount("/mnt/ro", source, {"bind", "ro"}));
    bundle.spec.mounts.push_back(bind_mount("/mnt/plain", source, {"bind"}));
    bundle.spec.mounts.push_back(bind_mount("/mnt/nosuid", source, {"bind", "nosuid", "relatime"}));
    auto r = run_shell(bundle, "grep ' /mnt/' /proc/self/mountinfo");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    // "ro" alone: the source's nosuid/nodev/noexec go, its noatime stays.
    const std::string ro = options_of(r.out, "/mnt/ro");
    EXPECT_TRUE(has(ro, ",ro,") && has(ro, ",noatime,")) << r.out;
    EXPECT_FALSE(has(ro, "nosuid") || has(ro, "nodev") || has(ro, "noexec")) << r.out;
    // No flag named: the source's flags, all of them.
    const std::string plain = options_of(r.out, "/mnt/plain");
    EXPECT_TRUE(has(plain, ",rw,") && has(plain, ",nosuid,") && has(plain, ",nodev,") && has(plain, ",noexec,") &&
                has(plain, ",noatime,"))
        << r.out;
    // An atime mode named replaces the source's.
    const std::string nosuid = options_of(r.out, "/mnt/nosuid");
    EXPECT_TRUE(has(nosuid, ",nosuid,") && has(nosuid, ",relatime,")) << r.out;
    EXPECT_FALSE(has(nosuid, "nodev") || has(nosuid, "noexec") || has(nosuid, "noatime")) << r.out;
}

// In a user namespace the source's flags are locked: runc keeps what the
// config does not clear, and refuses to clear a locked one.
TEST_F(RuncMounts, LockedFlagsInAUserNamespace) {
    const std::string source = flagged_source("locked", MS_NOSUID | MS_NODEV);
    ASSERT_EQ(::chmod(source.c_str(), 0755), 0);
    auto bundle = make_bundle();
    use_user_namespace(bundle);
    bundle.spec.mounts.push_back(bind_mount("/tmp/ro", source, {"bind", "ro"}));
    auto r = run_shell(bundle, "grep ' /tmp/ro ' /proc/self/mountinfo");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    const std::string ro = options_of(r.out, "/tmp/ro");
    EXPECT_TRUE(has(ro, ",ro,") && has(ro, ",nosuid,") && has(ro, ",nodev,")) << r.out;

    bundle.spec.mounts.back() = bind_mount("/tmp/suid", source, {"bind", "suid"});
    auto refused = run_shell(bundle, "true");
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_TRUE(has(refused.err, "cannot clear locked flags MS_NOSUID")) << refused.describe();

    bundle.spec.mounts.back() = bind_mount("/tmp/noatime", source, {"bind", "noatime"});
    auto atime = run_shell(bundle, "true");
    EXPECT_NE(atime.exit_code, 0);
    EXPECT_TRUE(has(atime.err, "cannot change locked atime flags MS_RELATIME")) << atime.describe();
}

// runc 1.3.6's mounts_sshfs.bats cases (on a tmpfs, as the suite does
// without sshfs): the source's per-mount flags, the bind's options, and what
// the container sees without and with a user namespace (where the source's
// ro/nosuid/nodev/noexec/atime flags are locked). "FAIL": refused. The
// expectations are runc 1.3.6's on this kernel (run with BERTH_TEST_RUNTIME).
struct FlagCase {
    unsigned long source;
    const char* options;
    const char* plain;
    const char* userns;
};

class BindFlags : public RuncMounts, public ::testing::WithParamInterface<FlagCase> {};

TEST_P(BindFlags, AsRunc) {
    const FlagCase& c = GetParam();
    const std::string source = flagged_source("source", 0);
    ASSERT_EQ(::chmod(source.c_str(), 0755), 0);
    // Every per-mount flag off (strictatime: no atime flag), then the case's.
    ASSERT_EQ(::mount(nullptr, source.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_STRICTATIME, nullptr), 0);
    ASSERT_EQ(::mount(nullptr, source.c_str(), nullptr, MS_BIND | MS_REMOUNT | c.source, nullptr), 0);
    std::vector<std::string> options;
    for (std::string rest = c.options; !rest.empty();) {
        const auto comma = rest.find(',');
        options.push_back(rest.substr(0, comma));
        rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    }
    for (const bool userns : {false, true}) {
        auto bundle = make_bundle();
        if (userns) use_user_namespace(bundle);
        bundle.spec.mounts.push_back(bind_mount("/tmp/bound", source, options));  // the namespace's root may make it
        auto r = run_shell(bundle, "grep ' /tmp/bound ' /proc/self/mounts | cut -d' ' -f4");
        const std::string seen = r.exit_code == 0 ? r.out.substr(0, r.out.find('\n')) : "FAIL";
        EXPECT_EQ(seen, userns ? c.userns : c.plain) << (userns ? "with" : "without") << " a user namespace\n"
                                                     << r.describe();
    }
}

INSTANTIATE_TEST_SUITE_P(
    RuncMountsSshfsBats, BindFlags,
    ::testing::Values(
        FlagCase{MS_RDONLY | MS_NOEXEC | MS_NOSYMFOLLOW | MS_NODIRATIME, "bind",
                 "ro,noexec,nodiratime,relatime,nosymfollow,mode=755",
                 "ro,noexec,nodiratime,relatime,nosymfollow,mode=755"},
        FlagCase{MS_RDONLY | MS_NOEXEC | MS_NOSYMFOLLOW | MS_NODIRATIME, "bind,dev",
                 "rw,nodiratime,relatime,mode=755", "ro,noexec,nodiratime,relatime,mode=755"},
        FlagCase{MS_RDONLY, "bind,nosuid,nodev,rprivate",
                 "rw,nosuid,nodev,mode=755", "ro,nosuid,nodev,mode=755"},
        FlagCase{MS_RDONLY, "bind,rw,nosuid,nodev,rprivate",
                 "rw,nosuid,nodev,mode=755", "FAIL"},
        FlagCase{MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME, "bind,dev,suid,exec,atime",
                 "rw,noatime,mode=755", "FAIL"},
        FlagCase{MS_NODEV | MS_NOSUID | MS_NOEXEC | MS_NOATIME, "bind,ro",
                 "ro,noatime,mode=755", "ro,nosuid,nodev,noexec,noatime,mode=755"},
        FlagCase{MS_NODEV | MS_NOSYMFOLLOW, "bind,ro,symfollow",
                 "ro,mode=755", "ro,nodev,mode=755"},
        FlagCase{MS_NODEV | MS_NOSYMFOLLOW, "bind,rw",
                 "rw,mode=755", "rw,nodev,mode=755"},
        FlagCase{MS_NODEV | MS_NOSUID | MS_NOATIME, "bind,ro,exec",
                 "ro,noatime,mode=755", "ro,nosuid,nodev,noatime,mode=755"},
        FlagCase{MS_NOATIME, "bind,norelatime",
                 "rw,noatime,mode=755", "rw,noatime,mode=755"},
        FlagCase{MS_NOATIME, "bind,relatime",
                 "rw,relatime,mode=755", "FAIL"},
        FlagCase{MS_NOATIME, "bind,nodiratime",
                 "rw,nodiratime,relatime,mode=755", "FAIL"},
        FlagCase{MS_NODIRATIME, "bind,strictatime",
                 "rw,mode=755", "FAIL"},
        FlagCase{MS_NOATIME, "bind,nodiratime,strictatime",
                 "rw,nodiratime,mode=755", "FAIL"},
        FlagCase{MS_NOATIME | MS_NODIRATIME, "bind,norelatime",
                 "rw,noatime,nodiratime,mode=755", "rw,noatime,nodiratime,mode=755"},
        FlagCase{MS_RELATIME, "bind,noatime",
                 "rw,noatime,mode=755", "FAIL"},
        FlagCase{MS_STRICTATIME, "bind,nostrictatime",
                 "rw,mode=755", "rw,mode=755"},
        FlagCase{MS_NODIRATIME, "bind,diratime",
                 "rw,nodiratime,relatime,mode=755", "rw,nodiratime,relatime,mode=755"}));

// ---- no mount namespace ----------------------------------------------------

// runc 1.3.6's host-mntns.bats: without a mount namespace of its own the
// container's mounts are made in the runtime's namespace (here the test's
// private one) and it is entered with chroot; they stay, as runc's do.
TEST_F(RuncMounts, RunsInTheRuntimesMountNamespace) {
    auto bundle = make_bundle();
    auto& namespaces = bundle.spec.linux->namespaces;
    namespaces.erase(std::remove_if(namespaces.begin(), namespaces.end(),
                                    [](const oci::Namespace& ns) { return ns.type == oci::NamespaceType::mount; }),
                     namespaces.end());
    bundle.spec.linux->maskedPaths.clear();
    bundle.spec.linux->readonlyPaths.clear();
    auto r = run_shell(bundle, "echo Hello World; ls /bin/busybox; grep -c ' /proc ' /proc/self/mountinfo");
    std::ifstream mountinfo("/proc/self/mountinfo");
    const std::string ours((std::istreambuf_iterator<char>(mountinfo)), std::istreambuf_iterator<char>());
    const bool left_proc = has(ours, " " + bundle.rootfs() + "/proc ");
    ::umount2(bundle.rootfs().c_str(), MNT_DETACH);  // what runc leaves behind too
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "Hello World\n/bin/busybox\n1\n") << r.describe();
    EXPECT_TRUE(left_proc) << "the container's procfs is mounted in our namespace";
}

// ---- the rootfs itself is no mountpoint -----------------------------------

// A mount on "/" (or on a path that resolves to it) would cover the rootfs the
// rest of the setup still works in; runc 1.2+ refuses it ("mountpoint ... is
// on the top of rootfs"), for filesystems and binds alike.
class RootDestination : public RuncMounts, public ::testing::WithParamInterface<const char*> {};

TEST_P(RootDestination, IsRefused) {
    auto bundle = make_bundle();
    fs::create_symlink("..", bundle.rootfs() + "/up");
    const std::string destination = GetParam();
    if (destination == "/up/.")
        bundle.spec.mounts.push_back(bind_mount(destination, dir(), {"rbind"}));
    else
        bundle.spec.mounts.push_back(tmpfs(destination, {"nodev"}));
    auto r = run_shell(bundle, "echo ran");
    EXPECT_NE(r.exit_code, 0) << r.describe();
    EXPECT_FALSE(has(r.out, "ran")) << r.describe();
    EXPECT_TRUE(has(r.err, "mountpoint is on the top of rootfs") || has(r.err, "is on the top of rootfs"))
        << r.describe();
}

INSTANTIATE_TEST_SUITE_P(RuncMountsRoot, RootDestination, ::testing::Values("/", "/up", "/up/."));

// ---- masked paths --------------------------------------------------------

// runc 1.3.6's mask.bats "directories share tmpfs": every masked directory
// shows the same read-only tmpfs; masked files are /dev/null.
TEST_F(RuncMounts, MaskedDirectoriesShareOneTmpfs) {
    auto bundle = make_bundle();
    for (const char* d : {"/testdir", "/testdir2", "/testdir3"}) fs::create_directories(bundle.rootfs() + d);
    std::ofstream(bundle.rootfs() + "/testfile") << "secret";
    bundle.spec.linux->maskedPaths = {"/testdir", "/testfile", "/testdir2", "/testdir3"};
    auto r = run_shell(bundle, "stat -c %d /testdir /testdir2 /testdir3 | uniq | wc -l; cat /testfile; "
                               "touch /testdir2/x 2>&1; grep -c ' /testdir[23]* ' /proc/self/mountinfo");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "1\ntouch: /testdir2/x: Read-only file system\n3\n") << r.describe();
}

// ---- tmpfs mode ------------------------------------------------------------

TEST_F(RuncMounts, TmpfsTakesTheModeOfTheDirectoryItCovers) {
    auto bundle = make_bundle();
    fs::create_directories(bundle.rootfs() + "/inherit");
    fs::create_directories(bundle.rootfs() + "/explicit");
    ASSERT_EQ(::chmod((bundle.rootfs() + "/inherit").c_str(), 0710), 0);
    ASSERT_EQ(::chmod((bundle.rootfs() + "/explicit").c_str(), 0710), 0);
    fs::remove_all(bundle.rootfs() + "/made");
    bundle.spec.mounts.push_back(tmpfs("/inherit", {"rw", "nodev", "nosuid"}));
    bundle.spec.mounts.push_back(tmpfs("/explicit", {"nodev", "mode=1500"}));
    bundle.spec.mounts.push_back(tmpfs("/made/a/b", {"nodev"}));
    auto r = run_shell(bundle, "stat -c '%n %a' /inherit /explicit /made/a/b; "
                               "grep -E ' /(inherit|explicit|made/a/b) ' /proc/self/mountinfo");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(has(r.out, "/inherit 710\n")) << r.out;
    EXPECT_TRUE(has(r.out, "/explicit 1500\n")) << r.out;
    EXPECT_TRUE(has(r.out, "/made/a/b 1777\n")) << r.out;  // made for the mount: tmpfs' default
    EXPECT_TRUE(has(line_of(r.out, "/inherit"), "mode=710")) << r.out;
    EXPECT_TRUE(has(line_of(r.out, "/explicit"), "mode=1500")) << r.out;
    EXPECT_FALSE(has(line_of(r.out, "/made/a/b"), "mode=")) << r.out;
    // The directories themselves are left alone.
    struct stat st {};
    ASSERT_EQ(::stat((bundle.rootfs() + "/explicit").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0710u);
    ASSERT_EQ(::stat((bundle.rootfs() + "/made/a").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0755u);
}

// ---- idmapped mounts -------------------------------------------------------

// Per-mount mappings alone idmap the bind, only its top mount; "ridmap" all.
TEST_F(RuncMounts, MountMappingsIdmapWithoutTheOptionAndRidmapRecurses) {
    const std::string tree = dir() + "/tree";
    fs::create_directories(tree + "/sub");
    std::ofstream(tree + "/top") << "x";
    const std::string sub = flagged_source("tree/sub", 0);
    std::ofstream(sub + "/inner") << "x";
    auto bundle = make_bundle();
    oci::Mount plain = bind_mount("/mnt/plain", tree, {"rbind"});
    plain.uidMappings = {{0, 100000, 65536}};
    plain.gidMappings = {{0, 200000, 65536}};
    oci::Mount recursive = plain;
    recursive.destination = "/mnt/recursive";
    recursive.options = {"rbind", "ridmap"};
    bundle.spec.mounts.push_back(plain);
    bundle.spec.mounts.push_back(recursive);
    auto r = run_shell(bundle, "stat -c '%n %u:%g' /mnt/plain/top /mnt/plain/sub/inner /mnt/recursive/top "
                               "/mnt/recursive/sub/inner");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(has(r.out, "/mnt/plain/top 100000:200000\n")) << r.out;
    EXPECT_TRUE(has(r.out, "/mnt/plain/sub/inner 0:0\n")) << r.out;  // the submount is not remapped
    EXPECT_TRUE(has(r.out, "/mnt/recursive/top 100000:200000\n")) << r.out;
    EXPECT_TRUE(has(r.out, "/mnt/recursive/sub/inner 100000:200000\n")) << r.out;
}

// ---- mount order -----------------------------------------------------------

// runc 1.3's mounts.bats "mount order": a tree of binds, then binds whose
// sources and destinations are spelled with the rootfs' host path and lie
// under the earlier mounts. Each source is what the container's namespace
// shows at that point.
class MountOrder : public RuncMounts, public ::testing::WithParamInterface<std::tuple<bool, bool>> {};

TEST_P(MountOrder, BindSourcesUnderEarlierMounts) {
    const auto [userns, idmap] = GetParam();
    auto bundle = make_bundle();
    if (userns) use_user_namespace(bundle);
    const std::string src = dir() + "/bind-src";
    for (const std::string sub : {"a/x", "b/y", "c/z"}) {
        fs::create_directories(src + "/" + sub);
        std::ofstream(src + "/" + sub + "/file") << sub << "\n";
        const std::string top = sub.substr(0, 1);
        fs::create_symlink(top, src + "/sym-" + top);
    }
    // Out of the container root's reach: in a user namespace the parent
    // clones these sources for it.
    ASSERT_EQ(::chmod(src.c_str(), 0750), 0);
    const std::string rootfs = bundle.rootfs();
    fs::create_directories(rootfs + "/mnt");
    fs::create_directories(rootfs + "/final");
    // `in_container`: a source inside the container, idmapped in the idmap variants.
    auto add = [&](const std::string& source, const std::string& destination, bool in_container) {
        oci::Mount m = bind_mount(destination, source, {"rbind", "rprivate"});
        if (idmap && in_container) {
            m.options.push_back("idmap");
            m.uidMappings = {{0, 100000, 65536}};
            m.gidMappings = {{0, 100000, 65536}};
        }
        bundle.spec.mounts.push_back(m);
    };
    add(src + "/a", "/mnt", false);
    add(src + "/sym-b", "/mnt/x", false);
    add(src + "/c", "/mnt/x/y", false);
    add(src + "/sym-a", "/mnt/x/y/z", false);
    add(rootfs + "/mnt/x", rootfs + "/mnt/x/y/z/x", true);
    add(rootfs + "/mnt/x/y", rootfs + "/mnt/x/y/z", true);
    add(rootfs + "/mnt", rootfs + "/final", true);
    bundle.spec.process->args = {"cat", "/final/x/y/z/z/x/y/z/x/file"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "a/x\n") << r.describe();  // the final file came from a/x
}

INSTANTIATE_TEST_SUITE_P(RuncMountsBats, MountOrder,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto& info) {
                             return std::string(std::get<0>(info.param) ? "Userns" : "NoUserns") +
                                    (std::get<1>(info.param) ? "Idmap" : "Bind");
                         });

}  // namespace
}  // namespace berth::test
