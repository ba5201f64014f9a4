#include <gtest/gtest.h>

#include "berth/cgroups/path.hpp"

using berth::clean_path;
using berth::cgroups::resolve_cgroups_path;

TEST(CgroupPath, CleanCollapsesSlashesAndDots) {
    EXPECT_EQ(clean_path("//a///b/./c/"), "/a/b/c");
    EXPECT_EQ(clean_path("a/b"), "/a/b");
    EXPECT_EQ(clean_path(""), "/");
    EXPECT_EQ(clean_path("/a/b/../c"), "/a/c");
}

TEST(CgroupPath, DotDotNeverClimbsAboveTheRoot) {
    EXPECT_EQ(clean_path("/../../.."), "/");
    EXPECT_EQ(clean_path("/../../../etc"), "/etc");
    EXPECT_EQ(clean_path("../x/../../y"), "/y");
    EXPECT_EQ(clean_path("/a/../../b/.."), "/");
}

TEST(CgroupPath, EmptyPathDefaultsToTheIdUnderTheRoot) {
    auto p = resolve_cgroups_path("", "web");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, "/web");
}

TEST(CgroupPath, DefaultPathNeedsAnIdOfOneComponent) {
    for (const char* id : {"", ".", "..", "a/b", "a/"}) EXPECT_FALSE(resolve_cgroups_path("", id).ok()) << id;
}

TEST(CgroupPath, RelativeAndAbsoluteBothResolveUnderTheHierarchyRoot) {
    EXPECT_EQ(*resolve_cgroups_path("default/ctr", "x"), "/default/ctr");
    EXPECT_EQ(*resolve_cgroups_path("/default/ctr", "x"), "/default/ctr");
    EXPECT_EQ(*resolve_cgroups_path("/../../../sys/ctr", "x"), "/sys/ctr");
}

TEST(CgroupPath, RootItselfIsRefused) {
    for (const char* p : {"/", "/..", "..", "/./", "a/.."}) {
        auto r = resolve_cgroups_path(p, "x");
        ASSERT_FALSE(r.ok()) << p;
        EXPECT_NE(r.error().what().find("cgroup root"), std::string::npos);
    }
}
