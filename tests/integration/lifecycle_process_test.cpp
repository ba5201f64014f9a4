// What the container's process sees of `process` and the namespace settings:
// checked by the probe from inside, not by exit codes.
#include <sys/stat.h>

#include <algorithm>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

TEST_F(IntegrationTest, UserGroupsUmaskAndHomeFromTheContainersPasswd) {
    auto bundle = make_bundle();
    bundle.spec.process->user.uid = 1000;
    bundle.spec.process->user.gid = 1000;
    bundle.spec.process->user.additionalGids = {100, 5};
    bundle.spec.process->user.umask = 077;
    auto& env = bundle.spec.process->env;
    env.erase(std::remove_if(env.begin(), env.end(), [](const std::string& e) { return e.starts_with("HOME="); }),
              env.end());
    auto report = run_probe(bundle);
    EXPECT_EQ(report.uid(), 1000u);
    EXPECT_EQ(report.egid(), 1000u);
    // As runc: exactly additionalGids, not the groups /etc/group lists the user in.
    EXPECT_EQ(report.groups(), (std::vector<uint32_t>{5, 100}));
    EXPECT_EQ(report.umask(), 077u);
    EXPECT_EQ(report.env_value("HOME"), "/home/berth");
}

TEST_F(IntegrationTest, HomeFallsBackToSlashAndAnExplicitHomeWins) {
    auto bundle = make_bundle();
    bundle.spec.process->user.uid = 4242;  // not in the container's /etc/passwd
    auto& env = bundle.spec.process->env;
    env.erase(std::remove_if(env.begin(), env.end(), [](const std::string& e) { return e.starts_with("HOME="); }),
              env.end());
    EXPECT_EQ(run_probe(bundle).env_value("HOME"), "/");
    env.push_back("HOME=/custom");
    EXPECT_EQ(run_probe(bundle).env_value("HOME"), "/custom");
}

TEST_F(IntegrationTest, RlimitsOomScoreHostnameAndDomainname) {
    auto bundle = make_bundle();
    bundle.spec.process->rlimits = {{"RLIMIT_NOFILE", 2048, 1024}, {"RLIMIT_CORE", 0, 0}};
    bundle.spec.process->oomScoreAdj = 345;
    bundle.spec.hostname = "lifecycle";
    bundle.spec.domainname = "example.org";
    auto report = run_probe(bundle);
    EXPECT_EQ(report.rlimit("RLIMIT_NOFILE"), (std::pair<uint64_t, uint64_t>{1024, 2048}));
    EXPECT_EQ(report.rlimit("RLIMIT_CORE"), (std::pair<uint64_t, uint64_t>{0, 0}));
    EXPECT_EQ(report.oom_score_adj(), 345);
    EXPECT_EQ(report.hostname(), "lifecycle");
    EXPECT_EQ(report.domainname(), "example.org");
}

// As runc: a new network namespace has lo up (flags 0x9: IFF_UP | IFF_LOOPBACK),
// so 127.0.0.1 works in the container.
TEST_F(IntegrationTest, LoopbackIsUpInANewNetworkNamespace) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"cat", "/sys/class/net/lo/flags"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "0x9\n") << r.describe();
}

TEST_F(IntegrationTest, OnlyStdioReachesTheProcess) {
    auto bundle = make_bundle();
    auto report = run_probe(bundle);
    for (const auto& [fd, target] : report.fds()) {
        // The probe's own directory handle on /proc/self/fd is the only extra one allowed.
        if (fd > 2) {
            EXPECT_NE(target.find("/proc/"), std::string::npos) << fd << " -> " << target;
        }
    }
}

TEST_F(IntegrationTest, MissingCwdIsCreatedInsideAReadOnlyRoot) {
    auto bundle = make_bundle();
    bundle.spec.process->cwd = "/work/dir";
    ASSERT_TRUE(bundle.spec.root->readonly);
    auto report = run_probe(bundle);
    EXPECT_EQ(report.cwd(), "/work/dir");
}

TEST_F(IntegrationTest, UserNamespaceWithMappings) {
    auto bundle = make_bundle();
    auto& linux = *bundle.spec.linux;
    linux.namespaces.push_back({oci::NamespaceType::user, std::nullopt});
    linux.uidMappings = {{0, 100000, 65536}};
    linux.gidMappings = {{0, 100000, 65536}};
    // The namespace's root (host uid 100000) must be able to reach the rootfs.
    ASSERT_EQ(chmod(dir().c_str(), 0755), 0);
    ASSERT_EQ(chmod(bundle.path().c_str(), 0755), 0);
    auto report = run_probe(bundle);
    EXPECT_NE(report.ns_inode("user"), host_ns_inode("user"));
    EXPECT_EQ(report.uid(), 0u);
}

TEST_F(IntegrationTest, NewTimeNamespace) {
    auto bundle = make_bundle();
    bundle.spec.linux->namespaces.push_back({oci::NamespaceType::time, std::nullopt});
    bundle.spec.linux->timeOffsets["boottime"] = {3600, 0};
    auto report = run_probe(bundle);
    EXPECT_NE(report.ns_inode("time"), host_ns_inode("time"));
}

// The cgroup namespace is rooted at the container's own cgroup in every
// hierarchy (runc's delete.bats creates sub-cgroups through it), so it must be
// unshared only after the init was placed in its cgroup.
TEST_F(IntegrationTest, CgroupNamespaceIsRootedAtTheContainersCgroup) {
    auto bundle = make_bundle();
    bundle.spec.linux->namespaces.push_back({oci::NamespaceType::cgroup, std::nullopt});
    auto report = run_probe(bundle);
    EXPECT_NE(report.ns_inode("cgroup"), host_ns_inode("cgroup"));
    // Every hierarchy, name=systemd's included (the init joins a cgroup there
    // too on v1/hybrid hosts, as with runc): the namespace's root is its own.
    for (const auto& [controllers, path] : report.cgroups()) EXPECT_EQ(path, "/") << controllers;
}

}  // namespace
}  // namespace berth::test
