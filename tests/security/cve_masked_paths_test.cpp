// CVE-2025-31133: maskedPaths are covered by binding the container's
// /dev/null; a rootfs whose /dev/null is a symlink to a procfs file turned
// the "mask" into a writable bind of that file. The source must be the real
// null device (1:3), or the container is refused.
#include <algorithm>
#include <filesystem>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

namespace fs = std::filesystem;

class MaskedPaths : public IntegrationTest {};

TEST_F(MaskedPaths, DevNullSymlinkIsNotBoundOverMaskedPaths) {
    auto bundle = make_bundle();
    // No /dev tmpfs: the rootfs's own /dev is used, with a planted /dev/null
    // pointing at a procfs file. The canary is the container's own hostname
    // (its UTS namespace), so even a vulnerable runtime cannot hurt the host.
    auto& mounts = bundle.spec.mounts;
    mounts.erase(std::remove_if(mounts.begin(), mounts.end(), [](const oci::Mount& m) { return m.destination == "/dev"; }),
                 mounts.end());
    fs::create_directories(bundle.rootfs() + "/dev");
    fs::remove(bundle.rootfs() + "/dev/null");
    fs::create_symlink("/proc/sys/kernel/hostname", bundle.rootfs() + "/dev/null");
    bundle.spec.hostname = "canary";
    bundle.spec.linux->maskedPaths = {"/proc/sysrq-trigger"};
    bundle.spec.process->args = {"/bin/sh", "-c", "echo pwned > /proc/sysrq-trigger; hostname"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_EQ(r.out.find("pwned"), std::string::npos) << "the mask was a bind of the procfs file\n" << r.describe();
    if (r.exit_code == 0) {
        EXPECT_NE(r.out.find("canary"), std::string::npos) << r.describe();
    }
}

}  // namespace
}  // namespace berth::test
