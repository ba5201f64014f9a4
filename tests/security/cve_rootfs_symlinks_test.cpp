// Symlinks planted in the rootfs must never lead the runtime out of it.
//   CVE-2023-27561 / CVE-2023-28642: /proc (or /sys) in the rootfs is a
//     symlink: refused with runc's message.
//   CVE-2026-41579: a rootfs /dev symlink to a host path is not followed.
//   CVE-2021-30465 / CVE-2024-45310: a mount destination whose parent is a
//     symlink to a host directory is resolved inside the rootfs: nothing is
//     created or mounted on the host (the static form of the racing attacks).
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

namespace fs = std::filesystem;

class RootfsSymlinks : public IntegrationTest {
protected:
    // A host directory outside the bundle that must stay empty.
    std::string host_dir() {
        const std::string d = dir() + "/host-target";
        fs::create_directories(d);
        return d;
    }
    static bool empty(const std::string& d) { return fs::is_empty(d); }
};

TEST_F(RootfsSymlinks, ProcSymlinkIsRefused) {
    for (const char* target : {"proc", "sys"}) {
        auto bundle = make_bundle();
        const std::string path = bundle.rootfs() + "/" + target;
        fs::remove_all(path);
        fs::create_directories(bundle.rootfs() + "/evil");
        fs::create_symlink("/evil", path);
        bundle.write();
        auto r = run_berth("run", "--bundle", bundle.path(), last_id());
        EXPECT_NE(r.exit_code, 0) << target << ": " << r.describe();
        EXPECT_NE(r.err.find("must be mounted on ordinary directory"), std::string::npos) << r.describe();
        EXPECT_TRUE(fs::is_empty(bundle.rootfs() + "/evil")) << target;
    }
}

TEST_F(RootfsSymlinks, DevSymlinkToHostIsNotFollowed) {
    const std::string host = host_dir();
    auto bundle = make_bundle();
    fs::remove_all(bundle.rootfs() + "/dev");
    fs::create_symlink(host, bundle.rootfs() + "/dev");
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_TRUE(empty(host)) << "created on the host: " << fs::directory_iterator(host)->path() << "\n" << r.describe();
    // The host's own device nodes are untouched.
    struct stat st {};
    ASSERT_EQ(stat("/dev/null", &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0666);
    EXPECT_EQ(st.st_uid, 0u);
}

TEST_F(RootfsSymlinks, MountDestinationThroughSymlinkStaysInside) {
    const std::string host = host_dir();
    auto bundle = make_bundle();
    fs::create_symlink(host, bundle.rootfs() + "/escape");
    oci::Mount m;
    m.destination = "/escape/sub";
    m.type = "tmpfs";
    m.source = "tmpfs";
    bundle.spec.mounts.push_back(m);
    bundle.spec.process->args = {"/bin/sh", "-c", "grep -c ' /[^ ]*sub ' /proc/self/mountinfo"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_TRUE(empty(host)) << "created on the host\n" << r.describe();
}

TEST_F(RootfsSymlinks, BindSourceIsNotRedirectedIntoTheHost) {
    // A bind destination that is an absolute symlink inside the rootfs: the
    // bind must land inside the rootfs, never on the host path.
    const std::string host = host_dir();
    auto bundle = make_bundle();
    fs::create_directories(bundle.path() + "/vol");
    fs::create_symlink(host, bundle.rootfs() + "/data");
    oci::Mount m;
    m.destination = "/data";
    m.type = "bind";
    m.source = bundle.path() + "/vol";
    m.options = {"bind"};
    bundle.spec.mounts.push_back(m);
    bundle.spec.process->args = {"/bin/sh", "-c", "touch /data/written-inside"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_TRUE(empty(host)) << "wrote through to the host\n" << r.describe();
}

}  // namespace
}  // namespace berth::test
