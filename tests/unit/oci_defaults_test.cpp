// `berth spec` writes runc's default config, with berth's ociVersion.
#include <gtest/gtest.h>

#include <algorithm>

#include "oci/defaults.hpp"
#include "oci/parser.hpp"

namespace {

using NS = oci::NamespaceType;

std::vector<NS> namespace_types(const oci::Spec& spec) {
    std::vector<NS> out;
    for (const auto& ns : spec.linux->namespaces) out.push_back(ns.type);
    return out;
}

const oci::Mount& mount_at(const oci::Spec& spec, const std::string& destination) {
    return *std::find_if(spec.mounts.begin(), spec.mounts.end(),
                         [&](const oci::Mount& m) { return m.destination == destination; });
}

// The captured `runc spec` (1.1.5) output was edited to run `true` without a
// terminal; everything else must match field for field, but the ambient set
// runc 1.3 no longer writes.
TEST(OciDefaults, MatchesRuncSpec) {
    auto runc = oci::load_config(std::string(BERTH_TEST_DATA) + "/configs/runc-spec-default.json");
    ASSERT_TRUE(runc.ok()) << runc.error().what();
    runc->ociVersion = "1.3.0";
    runc->process->terminal = true;
    runc->process->args = {"sh"};
    runc->process->capabilities->ambient.reset();  // as runc 1.3's: see defaults.cpp
    EXPECT_EQ(oci::default_config(false, 0, 0), *runc);
}

TEST(OciDefaults, RootlessMapsTheCallerAndDropsWhatNeedsPrivilege) {
    const oci::Spec spec = oci::default_config(true, 1000, 1001);
    EXPECT_EQ(spec.linux->uidMappings, (std::vector<oci::IDMapping>{{0, 1000, 1}}));
    EXPECT_EQ(spec.linux->gidMappings, (std::vector<oci::IDMapping>{{0, 1001, 1}}));
    EXPECT_EQ(namespace_types(spec), (std::vector<NS>{NS::pid, NS::ipc, NS::uts, NS::mount, NS::user}));
    EXPECT_FALSE(spec.linux->resources);
    const oci::Mount& sys = mount_at(spec, "/sys");
    EXPECT_EQ(sys.type, "none");
    EXPECT_EQ(sys.source, "/sys");
    EXPECT_EQ(sys.options.front(), "rbind");
    const auto& devpts = mount_at(spec, "/dev/pts").options;
    EXPECT_EQ(std::find(devpts.begin(), devpts.end(), "gid=5"), devpts.end());
}

// runc's spec on a cgroup v2 host: [pid network ipc uts mount cgroup], rootless
// [pid ipc uts mount cgroup user] (its rootless conversion appends the user one).
TEST(OciDefaults, CgroupNamespaceFollowsTheMountNamespace) {
    oci::Spec spec = oci::default_config(false, 0, 0);
    oci::add_cgroup_namespace(spec);
    EXPECT_EQ(namespace_types(spec), (std::vector<NS>{NS::pid, NS::network, NS::ipc, NS::uts, NS::mount, NS::cgroup}));
    spec = oci::default_config(true, 1000, 1000);
    oci::add_cgroup_namespace(spec);
    EXPECT_EQ(namespace_types(spec), (std::vector<NS>{NS::pid, NS::ipc, NS::uts, NS::mount, NS::cgroup, NS::user}));
}

// The written text has runc's layout (tab indent, key order), so it diffs cleanly against runc's.
TEST(OciDefaults, WrittenLikeRunc) {
    const std::string text = oci::write_config(oci::default_config(false, 0, 0));
    EXPECT_EQ(text.rfind("{\n\t\"ociVersion\": \"1.3.0\",\n\t\"process\": {\n\t\t\"terminal\": true,\n", 0), 0u);
    EXPECT_EQ(text.find("\"uidMappings\""), std::string::npos);
    const std::string rootless = oci::write_config(oci::default_config(true, 0, 0));
    EXPECT_LT(rootless.find("\"uidMappings\""), rootless.find("\"namespaces\""));
    auto parsed = oci::parse_config(text);
    ASSERT_TRUE(parsed.ok()) << parsed.error().what();
    EXPECT_EQ(*parsed, oci::default_config(false, 0, 0));
}

}  // namespace
