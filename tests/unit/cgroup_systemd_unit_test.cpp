#include <gtest/gtest.h>

#include "berth/cgroups/systemd_unit.hpp"

using namespace berth::cgroups::systemd;

namespace {

std::string error_of(std::string_view cgroups_path, std::string_view id = "abc") {
    auto unit = unit_for(cgroups_path, id, kRootSlice);
    return unit ? std::string("no error") : unit.error().what();
}

}  // namespace

TEST(SystemdUnit, ExpandSliceNestsEveryDashPrefix) {
    EXPECT_EQ(*expand_slice("system.slice"), "/system.slice");
    EXPECT_EQ(*expand_slice("a-b-c.slice"), "/a.slice/a-b.slice/a-b-c.slice");
    EXPECT_EQ(*expand_slice("kubepods-besteffort-pod1234_5678.slice"),
              "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234_5678.slice");
    EXPECT_EQ(*expand_slice("-.slice"), "/");
}

TEST(SystemdUnit, ExpandSliceRefusesWhatSystemdHasNoSliceFor) {
    for (const char* bad : {"-a.slice", "a-.slice", "a--b.slice", "a/b.slice", ".slice", "a.scope", "a", "",
                            "a b.slice", "--.slice"}) {
        auto r = expand_slice(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_NE(r.error().what().find(std::string("\"") + bad + "\""), std::string::npos) << r.error().what();
    }
    EXPECT_EQ(expand_slice(std::string(250, 'a') + ".slice").ok(), false);  // 256 characters
    EXPECT_EQ(expand_slice(std::string(249, 'a') + ".slice").ok(), true);   // 255
}

TEST(SystemdUnit, ScopeInTheGivenSlice) {
    auto unit = unit_for("kubepods-besteffort-pod1234_5678.slice:cri-containerd:abc", "ignored", kRootSlice);
    ASSERT_TRUE(unit.ok()) << unit.error().what();
    EXPECT_EQ(unit->name, "cri-containerd-abc.scope");
    EXPECT_EQ(unit->parent, "kubepods-besteffort-pod1234_5678.slice");
    EXPECT_EQ(unit->path,
              "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234_5678.slice/"
              "cri-containerd-abc.scope");
    EXPECT_FALSE(unit->is_slice());
}

TEST(SystemdUnit, EmptySliceIsTheDefaultOne) {
    EXPECT_EQ(*unit_for(":docker:abc", "x", kRootSlice),
              (Unit{"docker-abc.scope", "system.slice", "/system.slice/docker-abc.scope"}));
    EXPECT_EQ(*unit_for(":libpod:abc", "x", kRootlessSlice),
              (Unit{"libpod-abc.scope", "user.slice", "/user.slice/libpod-abc.scope"}));
    // The root slice.
    EXPECT_EQ(*unit_for("-.slice:p:n", "x", kRootSlice), (Unit{"p-n.scope", "-.slice", "/p-n.scope"}));
}

TEST(SystemdUnit, NoCgroupsPathIsBerthScopeInTheDefaultSlice) {
    EXPECT_EQ(*unit_for("", "web", kRootSlice), (Unit{"berth-web.scope", "system.slice", "/system.slice/berth-web.scope"}));
    // runc's name for an empty prefix.
    EXPECT_EQ(unit_for("system.slice::web", "x", kRootSlice)->name, "-web.scope");
}

TEST(SystemdUnit, NameEndingInSliceIsThatSlice) {
    auto unit = unit_for("kubepods-besteffort.slice:ignored:kubepods-besteffort-pod12.slice", "x", kRootSlice);
    ASSERT_TRUE(unit.ok()) << unit.error().what();
    EXPECT_EQ(*unit, (Unit{"kubepods-besteffort-pod12.slice", "kubepods-besteffort.slice",
                           "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice"}));
    EXPECT_TRUE(unit->is_slice());
    // No slice given: the parent its name implies, not the default slice.
    EXPECT_EQ(*unit_for("::a-b.slice", "x", kRootSlice), (Unit{"a-b.slice", "a.slice", "/a.slice/a-b.slice"}));
    EXPECT_EQ(*unit_for("::a.slice", "x", kRootSlice), (Unit{"a.slice", "-.slice", "/a.slice"}));
}

TEST(SystemdUnit, SliceUnitMustBeAChildOfTheGivenSlice) {
    EXPECT_EQ(error_of("system.slice:p:a-b.slice"),
              "config.json: linux.cgroupsPath: \"system.slice:p:a-b.slice\": the slice \"a-b.slice\" is in "
              "\"a.slice\", not in \"system.slice\"");
    EXPECT_NE(error_of("::-.slice").find("root slice"), std::string::npos);
    EXPECT_NE(error_of("::a--b.slice").find("invalid slice name \"a--b.slice\""), std::string::npos);
}

TEST(SystemdUnit, MalformedCgroupsPathIsRefusedWithItsValue) {
    for (const char* bad : {"/x/y", "x", "a:b", "a:b:c:d", "system.slice:docker"}) {
        EXPECT_EQ(error_of(bad), std::string("config.json: linux.cgroupsPath: \"") + bad +
                                     "\": expected \"slice:prefix:name\" with the systemd cgroup driver");
    }
    EXPECT_NE(error_of("system.slice:docker:").find("unit name (after the last ':') is empty"), std::string::npos);
}

TEST(SystemdUnit, InvalidSliceOrUnitNameIsRefused) {
    EXPECT_EQ(error_of("a/b.slice:p:n"),
              "config.json: linux.cgroupsPath: \"a/b.slice:p:n\": \"a/b.slice\" is not a valid systemd unit name: "
              "character '/' is not allowed");
    EXPECT_NE(error_of("system:p:n").find("\"system\" is not a valid systemd unit name"), std::string::npos);
    EXPECT_NE(error_of("system.slice:p:a+b").find("character '+' is not allowed"), std::string::npos);
    EXPECT_NE(error_of("system.slice:p:a@").find("'@'"), std::string::npos);
    EXPECT_TRUE(unit_for("system.slice:p:a@b", "x", kRootSlice).ok());
    // Without cgroupsPath the id is what makes the name.
    EXPECT_EQ(error_of("", "a+b"),
              "container id \"a+b\": \"berth-a+b.scope\" is not a valid systemd unit name: character '+' is not allowed");
}
