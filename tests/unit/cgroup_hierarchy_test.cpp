#include <gtest/gtest.h>

#include "berth/cgroups/hierarchy.hpp"

using namespace berth::cgroups;

namespace {
// This machine's layout: v1 controllers plus cgroup2 (hugetlb only) at /sys/fs/cgroup/unified.
const char* kHybrid =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
    "50 31 0:32 /sub /mnt/memsub rw,relatime - cgroup cgroup rw,memory\n";
}  // namespace

TEST(CgroupHierarchy, HybridHost) {
    auto h = parse_mountinfo(kHybrid);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->layout, Layout::hybrid);
    EXPECT_EQ(h->unified, "/sys/fs/cgroup/unified");
    ASSERT_EQ(h->v1.size(), 3u);  // named systemd hierarchy and the sub-cgroup bind skipped
    EXPECT_EQ(h->systemd, "/sys/fs/cgroup/systemd");  // placement only
    ASSERT_NE(h->v1_for("memory"), nullptr);
    EXPECT_EQ(h->v1_for("memory")->mountpoint, "/sys/fs/cgroup/memory");
    EXPECT_EQ(h->v1_for("cpuacct")->mountpoint, "/sys/fs/cgroup/cpuacct");
    EXPECT_EQ(h->v1_for("pids"), nullptr);
}

TEST(CgroupHierarchy, CoMountedControllersShareOneHierarchy) {
    auto h = parse_mountinfo("1 0 0:1 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n");
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->layout, Layout::v1);
    ASSERT_EQ(h->v1.size(), 1u);
    EXPECT_EQ(h->v1_for("cpu"), h->v1_for("cpuacct"));
    EXPECT_EQ(h->v1_for("cpu")->mountpoint, "/sys/fs/cgroup/cpu,cpuacct");
}

TEST(CgroupHierarchy, UnifiedHostAndEscapedMountpoint) {
    auto h = parse_mountinfo("1 0 0:1 / /sys/fs/cgroup\\040x rw - cgroup2 cgroup2 rw\n");
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->layout, Layout::unified);
    EXPECT_EQ(h->unified, "/sys/fs/cgroup x");
}

TEST(CgroupHierarchy, NoCgroupsIsAnError) {
    EXPECT_FALSE(parse_mountinfo("1 0 0:1 / / rw - ext4 /dev/sda rw\n").ok());
}

// The systemd driver on a v1/hybrid host: the unit's path in every v1
// controller hierarchy, neither name=systemd's nor cgroup2's (systemd's own).
TEST(CgroupHierarchy, V1ControllerDirsOfASystemdUnit) {
    auto h = parse_mountinfo(kHybrid);
    ASSERT_TRUE(h.ok());
    const std::string unit = "/kubepods.slice/kubepods-besteffort.slice/cri-containerd-abc.scope";
    EXPECT_EQ(v1_controller_dirs(*h, unit),
              (std::vector<std::string>{"/sys/fs/cgroup/cpu" + unit, "/sys/fs/cgroup/cpuacct" + unit,
                                        "/sys/fs/cgroup/memory" + unit}));
    auto unified = parse_mountinfo("1 0 0:1 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    ASSERT_TRUE(unified.ok());
    EXPECT_TRUE(v1_controller_dirs(*unified, unit).empty());
}
