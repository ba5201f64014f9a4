// CVE-2025-52565: the console was bound onto /dev/console by path, so a
// container whose /dev/console (or /dev/pts/N) is a symlink got the pty
// mounted over the symlink's target: a procfs file here, a host file in the
// real attack. berth takes the pty with TIOCGPTPEER, creates the target
// without following symlinks and mounts by fd. runc 1.1.5 fails this test
// (the pty ends up mounted on /proc/sys/kernel/hostname).
#include <algorithm>
#include <filesystem>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

namespace fs = std::filesystem;

class Cve2025_52565 : public IntegrationTest {};

TEST_F(Cve2025_52565, ConsoleIsNotMountedThroughASymlink) {
    auto bundle = make_bundle();
    // The rootfs's own /dev (no tmpfs over it) with a planted /dev/console.
    auto& mounts = bundle.spec.mounts;
    mounts.erase(std::remove_if(mounts.begin(), mounts.end(), [](const oci::Mount& m) { return m.destination == "/dev"; }),
                 mounts.end());
    fs::create_directories(bundle.rootfs() + "/dev");
    fs::create_symlink("/proc/sys/kernel/hostname", bundle.rootfs() + "/dev/console");
    bundle.spec.process->terminal = true;
    bundle.spec.process->args = {"/bin/sh", "-c", "echo mounts=$(grep -c /proc/sys/kernel/hostname /proc/self/mountinfo)"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    if (r.exit_code != 0) {
        // Refused: fine, as long as it was refused for the console.
        EXPECT_NE(r.err.find("console"), std::string::npos) << r.describe();
        return;
    }
    EXPECT_NE(r.out.find("mounts=0"), std::string::npos) << "the pty was mounted over the symlink's target\n"
                                                          << r.describe();
}

}  // namespace
}  // namespace berth::test
