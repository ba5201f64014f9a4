#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "berth/container/bundle_check.hpp"

namespace berth::container {
namespace {

using oci::IDMapping;
using oci::NamespaceType;

// A host like this machine: everything present, hybrid cgroups with hugetlb on v2, no CAP_SYS_RESOURCE.
HostFacts test_host() {
    HostFacts h;
    h.kernel = "6.1";
    h.namespaces = {NamespaceType::pid, NamespaceType::network, NamespaceType::mount, NamespaceType::ipc,
                    NamespaceType::uts, NamespaceType::user,    NamespaceType::cgroup};
    h.clone3 = h.openat2 = h.mount_setattr = true;
    h.capabilities.last_cap = 40;
    h.capabilities.grantable = ((uint64_t{1} << 41) - 1) & ~(uint64_t{1} << 24);
    h.capabilities.bounding = h.capabilities.grantable;  // root, as berth's caller
    h.uid_map = {IDMapping{0, 0, 4294967295u}};
    h.gid_map = h.uid_map;
    h.cgroups.layout = cgroups::Layout::hybrid;
    h.cgroups.v1 = {cgroups::Hierarchy{"/sys/fs/cgroup/memory", {"memory"}, false},
                    cgroups::Hierarchy{"/sys/fs/cgroup/cpu", {"cpu"}, false}};
    h.cgroups.unified = "/sys/fs/cgroup/unified";
    h.v2_controllers = {"hugetlb"};
    h.rlimit_hard.assign(RLIM_NLIMITS, 4096);
    h.nr_open = 1048576;
    return h;
}

oci::Spec minimal_spec() {
    oci::Spec s;
    s.ociVersion = "1.0.2";
    s.root = oci::Root{"rootfs", false};
    oci::Process p;
    p.args = {"sh"};
    p.cwd = "/";
    s.process = p;
    s.linux = oci::Linux{};
    s.linux->namespaces = {{NamespaceType::pid, {}}, {NamespaceType::mount, {}}};
    return s;
}

std::vector<std::string> texts(const Problems& problems) {
    std::vector<std::string> out;
    for (const Problem& p : problems) out.push_back(p.text());
    return out;
}

TEST(BundleCheck, MinimalSpecIsClean) { EXPECT_TRUE(check_against_host(minimal_spec(), test_host()).empty()); }

TEST(BundleCheck, ParseIdMap) {
    auto m = parse_id_map("         0          0 4294967295\n  1000 100000 65536\n");
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m->size(), 2u);
    EXPECT_EQ((*m)[0], (IDMapping{0, 0, 4294967295u}));
    EXPECT_EQ((*m)[1], (IDMapping{1000, 100000, 65536}));
    EXPECT_FALSE(parse_id_map("0 0\n").ok());
    EXPECT_FALSE(parse_id_map("0 x 1\n").ok());
}

TEST(BundleCheck, IdMappingsOverlapAndSize) {
    Problems out;
    check_id_mappings({{0, 1000, 100}, {50, 5000, 10}, {200, 1050, 10}, {300, 9000, 0}}, test_host().uid_map,
                      "linux.uidMappings", out);
    EXPECT_EQ(texts(out), (std::vector<std::string>{
                              "linux.uidMappings[1]: container ids overlap linux.uidMappings[0]",
                              "linux.uidMappings[2]: host ids overlap linux.uidMappings[0]",
                              "linux.uidMappings[3].size: must not be 0",
                          }));
}

TEST(BundleCheck, IdMappingsMustBeMappedInOurNamespace) {
    Problems out;
    // As if berth ran in a user namespace mapping only ids 0-65535 (in two pieces).
    std::vector<IDMapping> host = {{0, 100000, 1000}, {1000, 200000, 64536}};
    check_id_mappings({{0, 0, 60000}, {60000, 65000, 1000}}, host, "linux.uidMappings", out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text(),
              "linux.uidMappings[1]: host ids 65000-65999 are not all mapped in berth's own user namespace");
}

TEST(BundleCheck, CgroupControllers) {
    oci::Resources r;
    r.memory = oci::Memory{};
    r.memory->limit = 100;
    r.pids = oci::Pids{};
    r.pids->limit = 10;
    r.hugepageLimits = {{"2MB", 0}};
    r.unified = {{"memory.max", "100"}, {"cgroup.max.depth", "3"}};
    Problems out;
    check_cgroup_resources(r, test_host(), out);
    EXPECT_EQ(texts(out), (std::vector<std::string>{
                              "linux.resources.pids: this host has no pids controller (cgroup layout hybrid)",
                              "linux.resources.unified.memory.max: the memory controller is not enabled in the "
                              "cgroup v2 hierarchy at /sys/fs/cgroup/unified",
                          }));
}

TEST(BundleCheck, EmptyResourceSectionsNeedNoController) {
    oci::Resources r;
    r.blockIO = oci::BlockIO{};
    r.cpu = oci::CPU{};
    Problems out;
    check_cgroup_resources(r, test_host(), out);
    EXPECT_TRUE(out.empty());
}

TEST(BundleCheck, ProcessBasics) {
    oci::Spec s = minimal_spec();
    s.process->args.clear();
    s.process->cwd = "tmp";
    s.process->rlimits = {{"RLIMIT_NOFILE", 10, 20}};
    EXPECT_EQ(texts(check_against_host(s, test_host())),
              (std::vector<std::string>{
                  "process.args: must not be empty",
                  "process.cwd: must be an absolute path",
                  "process.rlimits[0]: soft limit 20 is above the hard limit 10",
              }));
    s.process.reset();
    EXPECT_EQ(texts(check_against_host(s, test_host())),
              std::vector<std::string>{"process: missing: create and run need the container's process"});
}

// As create: kernel.hostname fights the hostname field (runc refuses it), a
// kernel.domainname only a different domainname (crun refuses that).
TEST(BundleCheck, SysctlsThatFightTheirOciField) {
    oci::Spec s = minimal_spec();
    s.linux->namespaces.push_back({NamespaceType::uts, {}});
    s.linux->sysctl = {{"kernel.hostname", "h"}, {"kernel.domainname", "d"}};
    EXPECT_EQ(texts(check_against_host(s, test_host())),
              std::vector<std::string>{
                  "linux.sysctl.kernel.hostname: conflicts with the OCI \"hostname\" field: set that instead"});
    s.domainname = "other";
    EXPECT_EQ(texts(check_against_host(s, test_host())),
              (std::vector<std::string>{
                  "linux.sysctl.kernel.domainname: conflicts with the OCI \"domainname\" field: set that instead",
                  "linux.sysctl.kernel.hostname: conflicts with the OCI \"hostname\" field: set that instead"}));
    s.domainname = "d";
    s.linux->sysctl.erase("kernel.hostname");
    EXPECT_TRUE(check_against_host(s, test_host()).empty());
}

TEST(BundleCheck, Rlimits) {
    oci::Spec s = minimal_spec();
    // Unknown and repeated types never get here: the parser refuses them.
    s.process->rlimits = {{"RLIMIT_NOFILE", 2097152, 2097152},
                          {"RLIMIT_NPROC", 1048576, 1048576},
                          {"RLIMIT_CORE", 100, 100}};
    EXPECT_EQ(texts(check_against_host(s, test_host())),
              (std::vector<std::string>{
                  "process.rlimits[0].hard: 2097152 is above this host's fs.nr_open (1048576)",
                  "process.rlimits[1].hard: RLIMIT_NPROC 1048576 is above berth's own hard limit (4096) and raising it "
                  "needs CAP_SYS_RESOURCE, which this host lacks (not in the bounding set)",
              }));
    HostFacts privileged = test_host();
    privileged.capabilities.bounding |= uint64_t{1} << 24;
    privileged.capabilities.grantable |= uint64_t{1} << 24;
    s.process->rlimits = {{"RLIMIT_NPROC", 1048576, 1048576}};
    EXPECT_TRUE(check_against_host(s, privileged).empty());
}

// What decides is CAP_SYS_RESOURCE in the host's user namespace, held by the
// process that sets the limit: not berth's own sets alone.
TEST(BundleCheck, RaisingAHardRlimitIsJudgedByWhoSetsIt) {
    oci::Spec s = minimal_spec();
    s.process->rlimits = {{"RLIMIT_NOFILE", 8192, 8192}};
    auto judged = [&](const HostFacts& host) {
        auto problems = texts(check_against_host(s, host));
        return problems.empty() ? std::string() : problems.front();
    };
    const std::string above = "process.rlimits[0].hard: RLIMIT_NOFILE 8192 is above berth's own hard limit (4096) and "
                              "raising it needs CAP_SYS_RESOURCE";
    HostFacts host = test_host();
    host.capabilities.bounding |= uint64_t{1} << 24;  // the host has it: a caller without it (rootless) does not
    EXPECT_EQ(judged(host), above + ", which berth's caller lacks (not in its permitted set)");
    host.capabilities.grantable |= uint64_t{1} << 24;
    EXPECT_EQ(judged(host), "");
    host.uid_map = {IDMapping{0, 1000, 1}};  // berth itself in a user namespace
    EXPECT_EQ(judged(host), above + " in the host's user namespace, and berth runs in another one");
    host.uid_map = test_host().uid_map;
    s.linux->namespaces.push_back({NamespaceType::user, {}});
    s.linux->uidMappings = s.linux->gidMappings = {IDMapping{0, 100000, 65536}};
    EXPECT_EQ(judged(host),
              above + " in the host's user namespace, which the process has none of in the container's new one");
}

TEST(BundleCheck, MemoryPolicyAndNetDevicesAsCreateChecksThem) {
    oci::Spec s = minimal_spec();
    s.linux->memoryPolicy = oci::MemoryPolicy{"MPOL_BIND", std::nullopt, {}};
    s.linux->netDevices = {{"eth1", oci::NetDevice{"a b"}}};
    EXPECT_EQ(texts(check_against_host(s, test_host())),
              (std::vector<std::string>{
                  "linux.memoryPolicy.nodes: memory policy mode requires at least one node but got 0",
                  "linux.netDevices.eth1: unable to move network devices without a NET namespace"}));
    s.linux->memoryPolicy->nodes = "0";
    s.linux->namespaces.push_back({NamespaceType::network, {}});
    EXPECT_EQ(texts(check_against_host(s, test_host())),
              std::vector<std::string>{"linux.netDevices.eth1.name: invalid network device name \"a b\""});
}

TEST(BundleCheck, HostnameNeedsUts) {
    oci::Spec s = minimal_spec();
    s.hostname = "box";
    EXPECT_EQ(texts(check_against_host(s, test_host())),
              std::vector<std::string>{
                  "hostname: unable to set hostname without a private UTS namespace"});
    s.linux->namespaces.push_back({NamespaceType::uts, {}});
    EXPECT_TRUE(check_against_host(s, test_host()).empty());
}

TEST(BundleCheck, NamespaceKernelSupportAndUserMappings) {
    oci::Spec s = minimal_spec();
    s.linux->namespaces.push_back({NamespaceType::time, {}});
    s.linux->namespaces.push_back({NamespaceType::user, {}});
    s.linux->gidMappings = {{0, 100000, 65536}};
    s.process->user.uid = 1000;
    s.process->user.gid = 70000;
    EXPECT_EQ(texts(check_against_host(s, test_host())),
              (std::vector<std::string>{
                  "process.user.gid: 70000 is not mapped in linux.gidMappings",
                  "linux.namespaces[2].type: this kernel has no time namespaces",
                  "linux.uidMappings: a new user namespace needs uid mappings",
              }));
}

TEST(BundleCheck, MappingsWithoutUserNamespace) {
    oci::Spec s = minimal_spec();
    s.linux->uidMappings = {{0, 1000, 1}};
    EXPECT_EQ(texts(check_against_host(s, test_host())),
              std::vector<std::string>{"linux.uidMappings: set, but linux.namespaces has no user namespace"});
}

TEST(BundleCheck, Sysctls) {
    oci::Spec s = minimal_spec();
    s.linux->sysctl = {{"net.ipv4.ip_forward", "1"}, {"kernel.shmmax", "1"}, {"vm.swappiness", "1"}};
    EXPECT_EQ(texts(check_against_host(s, test_host())),
              (std::vector<std::string>{
                  "linux.sysctl.kernel.shmmax: needs a ipc namespace (it would change the host's)",
                  "linux.sysctl.net.ipv4.ip_forward: needs a network namespace (it would change the host's)",
                  "linux.sysctl.vm.swappiness: is not namespaced: setting it would change the host's value",
              }));
}

TEST(BundleCheck, MountsNeedingMountSetattr) {
    oci::Spec s = minimal_spec();
    oci::Mount m;
    m.destination = "/data";
    m.type = "bind";
    m.source = "/srv";
    m.options = {"rbind", "rro"};
    s.mounts = {m};
    HostFacts old = test_host();
    old.mount_setattr = false;
    EXPECT_EQ(texts(check_against_host(s, old)),
              std::vector<std::string>{
                  "mounts[0]: its options need mount_setattr(2), which this kernel does not have (Linux 5.12+)"});
    EXPECT_TRUE(check_against_host(s, test_host()).empty());
}

TEST(BundleCheck, MountOptionsAndPropagation) {
    oci::Spec s = minimal_spec();
    oci::Mount m;
    m.destination = "/data";
    m.type = "tmpfs";
    m.options = {"nosuid", ""};
    s.mounts = {m};
    s.linux->rootfsPropagation = "sideways";
    Problems out = check_against_host(s, test_host());
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].path, "mounts[0].options");
    EXPECT_EQ(out[1].path, "linux.rootfsPropagation");
}

TEST(BundleCheck, ContainerPathsMustBeAbsolute) {
    oci::Spec s = minimal_spec();
    s.linux->maskedPaths = {"/proc/kcore", "proc/keys"};
    s.linux->readonlyPaths = {"sys"};
    oci::Device d;
    d.type = "c";
    d.path = "dev/fuse";
    s.linux->devices = {d};
    EXPECT_EQ(texts(check_against_host(s, test_host())),
              (std::vector<std::string>{
                  "linux.devices[0].path: \"dev/fuse\" is not an absolute path",
                  "linux.maskedPaths[1]: \"proc/keys\" is not an absolute path",
                  "linux.readonlyPaths[0]: \"sys\" is not an absolute path",
              }));
}

class BundleCheckPaths : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/berth-check-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        ASSERT_EQ(::mkdir((dir_ + "/rootfs").c_str(), 0755), 0);
        ASSERT_EQ(::mkdir((dir_ + "/rootfs/bin").c_str(), 0755), 0);
        std::ofstream(dir_ + "/rootfs/bin/sh") << "";
        std::ofstream(dir_ + "/hook") << "#!/bin/sh\n";
    }
    void TearDown() override {
        for (const char* f : {"/rootfs/bin/sh", "/hook"}) ::unlink((dir_ + f).c_str());
        ::rmdir((dir_ + "/rootfs/bin").c_str());
        ::rmdir((dir_ + "/rootfs").c_str());
        ::rmdir(dir_.c_str());
    }
    std::string dir_;
};

TEST_F(BundleCheckPaths, CleanBundle) {
    oci::Spec s = minimal_spec();
    s.process->env = {"PATH=/usr/bin:/bin"};
    EXPECT_TRUE(check_paths(s, dir_).empty());
}

TEST_F(BundleCheckPaths, EveryPathProblem) {
    oci::Spec s = minimal_spec();
    s.process->args = {"/bin/missing"};
    s.linux->namespaces.push_back({NamespaceType::network, std::string("/proc/self/ns/nope")});
    s.linux->namespaces.push_back({NamespaceType::uts, std::string("/proc/self/ns/net")});
    s.linux->namespaces.push_back({NamespaceType::ipc, std::string("/etc/hostname")});
    oci::Mount m;
    m.destination = "/data";
    m.type = "bind";
    m.source = "missing-source";
    s.mounts = {m};
    s.hooks = oci::Hooks{};
    s.hooks->prestart = {oci::Hook{dir_ + "/hook", {}, {}, {}}};
    s.hooks->poststop = {oci::Hook{"/nonexistent/hook", {}, {}, {}}};
    EXPECT_EQ(texts(check_paths(s, dir_)),
              (std::vector<std::string>{
                  "process.args[0]: /bin/missing does not exist in the rootfs",
                  "linux.namespaces[2].path: /proc/self/ns/nope does not exist",
                  "linux.namespaces[3].path: /proc/self/ns/net is a network namespace, not uts",
                  "linux.namespaces[4].path: /etc/hostname is not a namespace file",
                  "mounts[0].source: " + dir_ + "/missing-source does not exist",
                  "hooks.prestart[0].path: " + dir_ + "/hook is not an executable file",
                  "hooks.poststop[0].path: /nonexistent/hook does not exist",
              }));
}

TEST_F(BundleCheckPaths, RootfsMustBeADirectory) {
    oci::Spec s = minimal_spec();
    s.root->path = "hook";
    EXPECT_EQ(texts(check_paths(s, dir_)),
              std::vector<std::string>{"root.path: " + dir_ + "/hook is not a directory"});
    s.root->path = "/nonexistent-rootfs";
    EXPECT_EQ(texts(check_paths(s, dir_)),
              std::vector<std::string>{"root.path: /nonexistent-rootfs does not exist"});
}

TEST_F(BundleCheckPaths, ExecutableSearchedOnPath) {
    oci::Spec s = minimal_spec();
    s.process->args = {"ls"};
    s.process->env = {"PATH=/usr/bin:/bin"};
    EXPECT_EQ(texts(check_paths(s, dir_)),
              std::vector<std::string>{"process.args[0]: \"ls\" is not found in the rootfs on PATH \"/usr/bin:/bin\""});
}

TEST_F(BundleCheckPaths, ParseErrorIsTheOnlyProblem) {
    std::ofstream(dir_ + "/config.json") << "{\"ociVersion\": 5}";
    Problems p = check_bundle(dir_, test_host());
    ::unlink((dir_ + "/config.json").c_str());
    ASSERT_EQ(p.size(), 1u);
    EXPECT_NE(p[0].text().find("ociVersion: expected string, got number"), std::string::npos) << p[0].text();
}

}  // namespace
}  // namespace berth::container
