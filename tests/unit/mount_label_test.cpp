// linux.mountLabel: the SELinux context runc 1.1 puts into the data of the
// mounts it makes (label.FormatMountLabel), planned before clone.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "berth/linux/mount_options.hpp"
#include "berth/linux/rootfs.hpp"
#include "oci/defaults.hpp"

namespace berth::linux_setup {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLabel = "system_u:object_r:container_file_t:s0:c1,c2";

TEST(MountLabel, AppendedAsAQuotedContextOption) {
    EXPECT_EQ(with_mount_label("", kLabel), "context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
    EXPECT_EQ(with_mount_label("mode=755,size=65536k", kLabel),
              "mode=755,size=65536k,context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
    EXPECT_EQ(with_mount_label("mode=755", ""), "mode=755");
}

class MountLabelPlan : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/berth-mount-label-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        fs::create_directories(dir_ + "/rootfs");
        spec_ = oci::default_config(false);  // runc spec: proc, /dev tmpfs, devpts, shm, mqueue, sysfs, cgroup
        spec_.linux->mountLabel = kLabel;
    }
    void TearDown() override { fs::remove_all(dir_); }

    RootfsPlan plan() {
        auto planned = plan_rootfs(spec_, {.bundle = dir_});
        EXPECT_TRUE(planned.ok()) << (planned.ok() ? "" : planned.error().what());
        return planned.ok() ? std::move(*planned) : RootfsPlan{};
    }
    static const PlannedMount& at(const RootfsPlan& plan, const std::string& destination) {
        for (const auto& m : plan.mounts)
            if (m.destination == destination) return m;
        static const PlannedMount none;
        ADD_FAILURE() << "no mount at " << destination;
        return none;
    }

    std::string dir_;
    oci::Spec spec_;
};

TEST_F(MountLabelPlan, NewFilesystemsAreLabelledAsRuncDoes) {
    const RootfsPlan p = plan();
    const std::string context = "context=\"" + std::string(kLabel) + "\"";
    // runc's own error on a host without SELinux shows this exact data for /dev.
    EXPECT_EQ(at(p, "/dev").options.data, "mode=755,size=65536k," + context);
    EXPECT_EQ(at(p, "/dev/pts").options.data, "newinstance,ptmxmode=0666,mode=0620,gid=5," + context);
    EXPECT_EQ(at(p, "/dev/shm").options.data, "mode=1777,size=65536k," + context);
    // The cgroup v1 tmpfs berth makes itself, and the masked directories.
    EXPECT_EQ(p.cgroup_tmpfs_data, "mode=755," + context);
    EXPECT_EQ(p.mount_label, kLabel);
}

TEST_F(MountLabelPlan, ProcSysfsMqueueAndBindsTakeNoContext) {
    oci::Mount bind;
    bind.destination = "/data";
    bind.source = dir_;
    bind.type = "bind";
    bind.options = {"rbind", "ro"};
    spec_.mounts.push_back(bind);
    const RootfsPlan p = plan();
    EXPECT_EQ(at(p, "/proc").options.data.find("context="), std::string::npos);
    EXPECT_EQ(at(p, "/sys").options.data.find("context="), std::string::npos);
    // mqueue is labelled through its root's xattr after the mount, as runc does.
    EXPECT_EQ(at(p, "/dev/mqueue").options.data.find("context="), std::string::npos);
    EXPECT_EQ(at(p, "/data").options.data.find("context="), std::string::npos);
}

TEST_F(MountLabelPlan, NoLabelNoContext) {
    spec_.linux->mountLabel.reset();
    const RootfsPlan p = plan();
    for (const auto& m : p.mounts) EXPECT_EQ(m.options.data.find("context="), std::string::npos) << m.destination;
    EXPECT_EQ(p.cgroup_tmpfs_data, "mode=755");
    EXPECT_TRUE(p.mount_label.empty());
}

}  // namespace
}  // namespace berth::linux_setup
