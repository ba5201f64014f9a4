// The container's root filesystem as the container sees it: config mounts and
// their options, devices, masked and read-only paths, and the refusals that
// keep a hostile image from reaching the host.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

namespace fs = std::filesystem;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

oci::Mount make_mount(std::string destination, std::string type, std::string source, std::vector<std::string> options) {
    oci::Mount m;
    m.destination = std::move(destination);
    m.type = std::move(type);
    m.source = std::move(source);
    m.options = std::move(options);
    return m;
}

class Rootfs : public IntegrationTest {
protected:
    // Runs `script` with the container's sh in the foreground; returns the result.
    RunResult run_shell(Bundle& bundle, const std::string& script, const std::vector<std::string>& flags = {}) {
        bundle.spec.process->args = {"sh", "-c", script};
        bundle.write();
        std::vector<std::string> argv{"run"};
        argv.insert(argv.end(), flags.begin(), flags.end());
        argv.insert(argv.end(), {"--bundle", bundle.path(), last_id()});
        return run_berth_argv(argv);
    }
};

TEST_F(Rootfs, DefaultFilesystemsDevicesAndLinks) {
    auto bundle = make_bundle();
    auto report = run_probe(bundle);
    ASSERT_TRUE(report.mount_at("/proc"));
    EXPECT_EQ(report.mount_at("/proc")->fstype, "proc");
    EXPECT_EQ(report.mount_at("/dev")->fstype, "tmpfs");
    EXPECT_EQ(report.mount_at("/dev/pts")->fstype, "devpts");
    ASSERT_TRUE(report.mount_at("/sys"));
    EXPECT_TRUE(report.mount_at("/sys")->has_option("ro"));
    EXPECT_TRUE(report.mount_at("/sys")->has_option("nosuid"));
    for (const auto& [name, major, minor] : std::vector<std::tuple<std::string, uint32_t, uint32_t>>{
             {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}}) {
        auto dev = report.device(name);
        ASSERT_TRUE(dev) << name;
        EXPECT_EQ(dev->type, 'c') << name;
        EXPECT_EQ(dev->major, major) << name;
        EXPECT_EQ(dev->minor, minor) << name;
        EXPECT_EQ(dev->mode, 0666u) << name;
    }
    ASSERT_TRUE(report.device("ptmx"));
    EXPECT_EQ(report.device("ptmx")->target, "pts/ptmx");
    EXPECT_EQ(report.device("fd")->target, "/proc/self/fd");
    EXPECT_EQ(report.device("stdin")->target, "/proc/self/fd/0");
    EXPECT_EQ(report.device("stderr")->target, "/proc/self/fd/2");
}

TEST_F(Rootfs, MaskedAndReadonlyPathsAndReadonlyRoot) {
    auto bundle = make_bundle();
    bundle.spec.root->readonly = true;
    bundle.spec.linux->maskedPaths = {"/proc/keys", "/proc/acpi", "/proc/does-not-exist"};
    bundle.spec.linux->readonlyPaths = {"/proc/sys", "/proc/bus"};
    auto report = run_probe(bundle);
    EXPECT_TRUE(report.root_readonly());
    ASSERT_TRUE(report.mount_at("/proc/keys"));   // /dev/null bound over it
    ASSERT_TRUE(report.mount_at("/proc/acpi"));   // a directory: read-only tmpfs
    EXPECT_EQ(report.mount_at("/proc/acpi")->fstype, "tmpfs");
    EXPECT_TRUE(report.mount_at("/proc/acpi")->has_option("ro"));
    ASSERT_TRUE(report.mount_at("/proc/sys"));
    EXPECT_TRUE(report.mount_at("/proc/sys")->has_option("ro"));
    EXPECT_FALSE(report.mount_at("/proc/does-not-exist"));
}

TEST_F(Rootfs, BindMountOptionsAndRecursiveReadonly) {
    const std::string source = dir() + "/vol";
    fs::create_directories(source + "/sub");
    std::ofstream(source + "/file") << "hello";
    // A submount in the source (our own private mount namespace) to see rro reach it.
    ASSERT_EQ(::mount("tmpfs", (source + "/sub").c_str(), "tmpfs", 0, nullptr), 0);
    auto bundle = make_bundle();
    bundle.spec.mounts.push_back(make_mount("/mnt/top-ro", "bind", source, {"rbind", "ro", "nosuid", "nodev"}));
    bundle.spec.mounts.push_back(make_mount("/mnt/all-ro", "bind", source, {"rbind", "rro", "rnoexec"}));
    bundle.spec.mounts.push_back(make_mount("/mnt/file", "none", source + "/file", {"bind", "ro"}));
    auto report = run_probe(bundle);
    ::umount2((source + "/sub").c_str(), MNT_DETACH);

    ASSERT_TRUE(report.mount_at("/mnt/top-ro"));
    EXPECT_TRUE(report.mount_at("/mnt/top-ro")->has_option("ro"));
    EXPECT_TRUE(report.mount_at("/mnt/top-ro")->has_option("nosuid"));
    EXPECT_TRUE(report.mount_at("/mnt/top-ro")->has_option("nodev"));
    ASSERT_TRUE(report.mount_at("/mnt/top-ro/sub"));
    EXPECT_TRUE(report.mount_at("/mnt/top-ro/sub")->has_option("rw"));  // ro is not recursive
    ASSERT_TRUE(report.mount_at("/mnt/all-ro/sub"));
    EXPECT_TRUE(report.mount_at("/mnt/all-ro/sub")->has_option("ro"));  // rro is
    EXPECT_TRUE(report.mount_at("/mnt/all-ro/sub")->has_option("noexec"));
    ASSERT_TRUE(report.mount_at("/mnt/file"));
    EXPECT_TRUE(report.mount_at("/mnt/file")->has_option("ro"));
}

TEST_F(Rootfs, TmpcopyupKeepsTheImageContents) {
    auto bundle = make_bundle();
    fs::create_directories(bundle.rootfs() + "/data/nested");
    std::ofstream(bundle.rootfs() + "/data/nested/file") << "from-image";
    fs::create_symlink("nested/file", bundle.rootfs() + "/data/link");
    bundle.spec.mounts.push_back(make_mount("/data", "tmpfs", "tmpfs", {"tmpcopyup", "mode=755"}));
    auto r = run_shell(bundle, "cat /data/link; grep ' /data ' /proc/self/mountinfo");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(has(r.out, "from-image")) << r.out;
    EXPECT_TRUE(has(r.out, " - tmpfs ")) << r.out;
}

TEST_F(Rootfs, ConfigDevicesWithOwnerAndMode) {
    auto bundle = make_bundle();
    bundle.spec.linux->devices.push_back({"c", "/dev/fuse", 10, 229, 0600, 1000, 1000});
    bundle.spec.linux->devices.push_back({"p", "/dev/sub/fifo", 0, 0, 0640, std::nullopt, std::nullopt});
    auto report = run_probe(bundle);
    auto fuse = report.device("fuse");
    ASSERT_TRUE(fuse);
    EXPECT_EQ(fuse->type, 'c');
    EXPECT_EQ(fuse->major, 10u);
    EXPECT_EQ(fuse->minor, 229u);
    EXPECT_EQ(fuse->mode, 0600u);
    EXPECT_EQ(fuse->uid, 1000u);
    auto fifo = report.device("sub/fifo");
    ASSERT_TRUE(fifo);
    EXPECT_EQ(fifo->type, 'p');
    EXPECT_EQ(fifo->mode, 0640u);
}

TEST_F(Rootfs, NoPivotRuns) {
    auto bundle = make_bundle();
    auto r = run_shell(bundle, "grep -c . /proc/self/mountinfo >/dev/null && ls /bin/probe", {"--no-pivot"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(has(r.out, "/bin/probe")) << r.out;
}

TEST_F(Rootfs, CgroupMountShowsTheContainersOwnCgroup) {
    auto bundle = make_bundle();
    bool present = false;
    for (const auto& m : bundle.spec.mounts) present = present || m.destination == "/sys/fs/cgroup";
    if (!present) bundle.spec.mounts.push_back(make_mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "ro"}));
    auto report = run_probe(bundle);
    auto pids = report.mount_at("/sys/fs/cgroup/pids");
    ASSERT_TRUE(pids) << "no pids hierarchy in the container";
    EXPECT_TRUE(pids->has_option("ro"));
    std::string own;
    for (const auto& [controllers, path] : report.cgroups())
        if (controllers == "pids") own = path;
    EXPECT_EQ(pids->root, own);
}

TEST_F(Rootfs, IdmappedBindShowsMappedOwners) {
    const std::string source = dir() + "/idmapped";
    fs::create_directories(source);
    std::ofstream(source + "/root-owned") << "x";  // owned by 0:0 on disk
    auto bundle = make_bundle();
    oci::Mount m = make_mount("/mnt/idmapped", "bind", source, {"rbind", "idmap"});
    m.uidMappings.push_back({0, 1000, 10});
    m.gidMappings.push_back({0, 2000, 10});
    bundle.spec.mounts.push_back(m);
    auto r = run_shell(bundle, "stat -c '%u:%g' /mnt/idmapped/root-owned; grep ' /mnt/idmapped ' /proc/self/mountinfo");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(has(r.out, "1000:2000\n")) << r.out;
    EXPECT_TRUE(has(r.out, "idmapped")) << r.out;
}

TEST_F(Rootfs, ConsoleIsTheContainersPty) {
    auto bundle = make_bundle();
    bundle.spec.process->terminal = true;
    auto r = run_shell(bundle, "tty; grep ' /dev/console ' /proc/self/mountinfo");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(has(r.out, "/dev/pts/0")) << r.out;
    EXPECT_TRUE(has(r.out, " - devpts ")) << r.out;  // the slave itself, bound by fd
}

// ---- refusals (CVE regression tests) --------------------------------------

// CVE-2025-52565: /dev/console is bound through the pty's fd onto a target
// looked up without following symlinks; an image's console symlink does not
// redirect the bind onto another file.
TEST_F(Rootfs, ConsoleSymlinkInTheImageIsRefused) {
    auto bundle = make_bundle();
    auto& mounts = bundle.spec.mounts;
    mounts.erase(std::remove_if(mounts.begin(), mounts.end(), [](const oci::Mount& m) { return m.destination == "/dev"; }),
                 mounts.end());
    fs::create_symlink("/bin/busybox", bundle.rootfs() + "/dev/console");
    bundle.spec.process->terminal = true;
    auto r = run_shell(bundle, "true");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "console: create") && has(r.err, "too many levels of symbolic links")) << r.describe();
}

// CVE-2025-31133: masking binds /dev/null; a /dev/null that is a symlink to a
// procfs file would make the "mask" a writable window onto the host kernel.
TEST_F(Rootfs, MaskingRefusesAFakeDevNull) {
    const std::string dev = dir() + "/fake-dev";
    fs::create_directories(dev);
    fs::create_symlink("/proc/sys/kernel/core_pattern", dev + "/null");
    auto bundle = make_bundle();
    bundle.spec.mounts.push_back(make_mount("/dev", "bind", dev, {"rbind"}));
    bundle.spec.linux->maskedPaths = {"/proc/keys"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "maskedPaths: ") && has(r.err, "/dev/null")) << r.describe();
}

// CVE-2023-27561 / CVE-2023-28642: procfs must never be mounted through a symlink.
TEST_F(Rootfs, SymlinkedProcIsRefused) {
    auto bundle = make_bundle();
    fs::remove(bundle.rootfs() + "/proc");
    fs::create_symlink("/tmp", bundle.rootfs() + "/proc");
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "must be mounted on ordinary directory")) << r.describe();
}

// CVE-2026-41579: a /dev symlink in the image must not lead our tmpfs or device nodes anywhere.
TEST_F(Rootfs, SymlinkedDevIsRefused) {
    auto bundle = make_bundle();
    fs::remove(bundle.rootfs() + "/dev");
    fs::create_symlink("/tmp", bundle.rootfs() + "/dev");
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "must be mounted on ordinary directory")) << r.describe();
}

// CVE-2021-30465 / CVE-2024-45310: a mount target that is a symlink to an
// absolute host path is resolved inside the rootfs; nothing appears on the host.
TEST_F(Rootfs, SymlinkedTargetStaysInsideTheRootfs) {
    const std::string host_target = "/tmp/berth-rootfs-escape-" + std::to_string(::getpid());
    fs::remove_all(host_target);
    auto bundle = make_bundle();
    fs::create_directories(bundle.rootfs() + "/mnt");
    fs::create_symlink(host_target, bundle.rootfs() + "/mnt/evil");
    const std::string source = dir() + "/vol";
    fs::create_directories(source);
    bundle.spec.mounts.push_back(make_mount("/mnt/evil", "bind", source, {"rbind"}));
    auto report = run_probe(bundle);
    EXPECT_FALSE(fs::exists(host_target)) << "created on the host";
    EXPECT_TRUE(fs::is_directory(bundle.rootfs() + host_target));
    EXPECT_TRUE(report.mount_at(host_target)) << "mounted where the symlink points inside the rootfs";
    fs::remove_all(host_target);
}

// CVE-2019-16884: nothing but procfs may be mounted inside /proc.
TEST_F(Rootfs, NonProcMountInsideProcIsRefused) {
    auto bundle = make_bundle();
    bundle.spec.mounts.push_back(make_mount("/proc/self/attr", "tmpfs", "tmpfs", {}));
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "cannot be mounted because it is inside /proc")) << r.describe();
}

}  // namespace
}  // namespace berth::test
