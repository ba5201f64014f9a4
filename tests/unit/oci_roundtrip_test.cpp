// Every section of every document survives write-then-parse unchanged, and the
// writers emit the shapes runc emits.
#include <gtest/gtest.h>

#include "oci/parser.hpp"

namespace {

using NS = oci::NamespaceType;

oci::Process full_process() {
    oci::Process p;
    p.terminal = true;
    p.consoleSize = oci::Box{24, 80};
    p.user = oci::User{1000, 1001, 022, {5, 10}, "alice"};
    p.args = {"/bin/sh", "-c", "echo \"quoted\" \\ tab\t"};
    p.commandLine = "sh -c true";
    p.env = {"PATH=/bin", "UNICODE=\xc3\xa9"};
    p.cwd = "/home/alice";
    p.capabilities = oci::Capabilities{{{"CAP_KILL"}}, {{"CAP_CHOWN"}}, {{}}, {{"CAP_KILL", "CAP_CHOWN"}}, std::nullopt};
    p.rlimits = {{"RLIMIT_NOFILE", UINT64_MAX, 1024}, {"RLIMIT_CORE", 0, 0}};
    p.noNewPrivileges = true;
    p.apparmorProfile = "docker-default";
    p.oomScoreAdj = -1000;
    p.scheduler = oci::Scheduler{"SCHED_DEADLINE", -20, 99, {"SCHED_FLAG_RECLAIM"}, 10, 20, 30};
    p.selinuxLabel = "system_u:system_r:container_t:s0";
    p.ioPriority = oci::IOPriority{"IOPRIO_CLASS_BE", 4};
    p.execCPUAffinity = oci::ExecCPUAffinity{"0-3", "1,2"};
    return p;
}

oci::Resources full_resources() {
    oci::Resources r;
    r.devices = {{false, std::nullopt, std::nullopt, std::nullopt, "rwm"}, {true, "c", 1, 3, "rw"}};
    r.memory = oci::Memory{INT64_MAX, 1 << 20, -1, 0, 0, 60, true, false, true};
    r.cpu = oci::CPU{1024, -1, 5000, 100000, 950000, 1000000, "0-1", "0", 1};
    r.pids = oci::Pids{INT64_MIN};
    r.blockIO = oci::BlockIO{500, 10, {{8, 0, 300, std::nullopt}}, {{8, 0, 1 << 20}}, {{8, 16, 2}}, {{8, 0, 3}}, {}};
    r.hugepageLimits = {{"2MB", 1 << 30}};
    r.network = oci::Network{0x100001, {{"eth0", 5}}};
    r.rdma = {{"mlx5_1", {3, std::nullopt}}};
    r.unified = {{"memory.high", "max"}, {"io.weight", "default 100"}};
    return r;
}

oci::Linux full_linux() {
    oci::Linux l;
    l.namespaces = {{NS::pid, std::nullopt},  {NS::network, "/var/run/netns/x"}, {NS::mount, {}}, {NS::ipc, {}},
                    {NS::uts, {}}, {NS::user, {}}, {NS::cgroup, {}}, {NS::time, {}}};
    l.uidMappings = {{0, 100000, 65536}};
    l.gidMappings = {{0, 200000, 65536}, {65536, 4294967295u, 1}};
    l.timeOffsets = {{"monotonic", {-5, 999999999}}, {"boottime", {INT64_MAX, 0}}};
    l.devices = {{"c", "/dev/fuse", 10, 229, 0666, 0, 0}, {"p", "/dev/fifo", 0, 0, std::nullopt, std::nullopt, 7}};
    l.netDevices = {{"eth1", {"ceth0"}}, {"eth2", {}}};
    l.cgroupsPath = "system.slice:berth:abc";
    l.resources = full_resources();
    l.intelRdt = oci::IntelRdt{"clos1", "L3:0=ff", "MB:0=70", {"L2:0=f"}, true};
    l.sysctl = {{"net.ipv4.ip_forward", "1"}, {"kernel.msgmax", "65536"}};
    l.seccomp = oci::Seccomp{"SCMP_ACT_ERRNO",
                             1,
                             {"SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"},
                             std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"},
                             "/run/seccomp.sock",
                             "meta",
                             {{{"read", "write"}, "SCMP_ACT_ALLOW", std::nullopt, {}},
                              {{"clone"}, "SCMP_ACT_ERRNO", 38, {{0, 2114060288, UINT64_MAX, "SCMP_CMP_MASKED_EQ"}}}}};
    l.rootfsPropagation = "rslave";
    l.maskedPaths = {"/proc/kcore"};
    l.readonlyPaths = {"/proc/sys"};
    l.mountLabel = "system_u:object_r:container_file_t:s0";
    l.personality = oci::Personality{"LINUX32", {"ADDR_NO_RANDOMIZE"}};
    l.memoryPolicy = oci::MemoryPolicy{"MPOL_BIND", "0-1", {"MPOL_F_STATIC_NODES"}};
    return l;
}

oci::Spec full_spec() {
    oci::Spec s;
    s.ociVersion = "1.3.0";
    s.process = full_process();
    s.root = oci::Root{"/var/lib/rootfs", true};
    s.hostname = "box";
    s.domainname = "example.org";
    oci::Mount idmapped{"/data", "/srv/data", "bind", {"rbind", "idmap"}, {{0, 1000, 1}}, {{0, 1000, 1}}};
    s.mounts = {{"/proc", "proc", "proc", {}, {}, {}}, idmapped, {"/tmp", std::nullopt, std::nullopt, {}, {}, {}}};
    oci::Hook hook{"/usr/bin/hook", {"hook", "arg"}, {"K=V"}, 5};
    s.hooks = oci::Hooks{{hook}, {hook}, {hook}, {hook}, {hook}, {hook, {"/bin/true", {}, {}, std::nullopt}}};
    s.annotations = {{"org.example.key", "value"}, {"", "empty key"}};
    s.linux = full_linux();
    return s;
}

TEST(OciRoundTrip, FullConfig) {
    const oci::Spec spec = full_spec();
    for (bool pretty : {false, true}) {
        auto parsed = oci::parse_config(oci::write_config(spec, pretty));
        ASSERT_TRUE(parsed.ok()) << parsed.error().what();
        EXPECT_EQ(parsed->process, spec.process);
        EXPECT_EQ(parsed->mounts, spec.mounts);
        EXPECT_EQ(parsed->hooks, spec.hooks);
        EXPECT_EQ(parsed->linux->resources, spec.linux->resources);
        EXPECT_EQ(parsed->linux->seccomp, spec.linux->seccomp);
        EXPECT_EQ(parsed->linux, spec.linux);
        EXPECT_EQ(*parsed, spec);
    }
}

oci::Spec minimal_spec() {
    oci::Spec spec;
    spec.ociVersion = "1.3.0";
    return spec;
}

// Each optional section alone: nothing else is invented on the way back.
TEST(OciRoundTrip, EachSectionAlone) {
    const oci::Spec full = full_spec();
    using Set = void (*)(oci::Spec&, const oci::Spec&);
    const Set sections[] = {
        [](oci::Spec&, const oci::Spec&) {},
        [](oci::Spec& s, const oci::Spec& f) { s.process = f.process; },
        [](oci::Spec& s, const oci::Spec& f) { s.root = f.root; },
        [](oci::Spec& s, const oci::Spec& f) { s.mounts = f.mounts; },
        [](oci::Spec& s, const oci::Spec& f) { s.hooks = f.hooks; },
        [](oci::Spec& s, const oci::Spec& f) { s.annotations = f.annotations; },
        [](oci::Spec& s, const oci::Spec&) { s.linux.emplace(); },
        [](oci::Spec& s, const oci::Spec& f) { s.linux.emplace().seccomp = f.linux->seccomp; },
        [](oci::Spec& s, const oci::Spec&) { s.linux.emplace().resources.emplace(); },
        [](oci::Spec& s, const oci::Spec& f) { s.linux.emplace().intelRdt = f.linux->intelRdt; },
    };
    for (size_t i = 0; i < std::size(sections); ++i) {
        SCOPED_TRACE(i);
        oci::Spec spec = minimal_spec();
        sections[i](spec, full);
        auto parsed = oci::parse_config(oci::write_config(spec));
        ASSERT_TRUE(parsed.ok()) << parsed.error().what();
        EXPECT_EQ(*parsed, spec);
    }
}

TEST(OciRoundTrip, ProcessAndResourcesDocuments) {
    const oci::Process process = full_process();
    auto p = oci::parse_process(oci::write_process(process));
    ASSERT_TRUE(p.ok()) << p.error().what();
    EXPECT_EQ(*p, process);

    const oci::Resources resources = full_resources();
    auto r = oci::parse_resources(oci::write_resources(resources));
    ASSERT_TRUE(r.ok()) << r.error().what();
    EXPECT_EQ(*r, resources);
}

TEST(OciWriter, OmitsWhatIsUnset) {
    oci::Spec spec = minimal_spec();
    EXPECT_EQ(oci::write_config(spec, false), R"({"ociVersion":"1.3.0"})");
    spec.process.emplace().cwd = "/";
    EXPECT_EQ(oci::write_config(spec, false),
              R"({"ociVersion":"1.3.0","process":{"terminal":false,"user":{"uid":0,"gid":0},"cwd":"/",)"
              R"("noNewPrivileges":false}})");
}

oci::State sample_state() {
    return oci::State{"1.3.0", "c1", "running", 4242, "/bundles/c1", "/bundles/c1/rootfs",
                      "2026-11-22T16:00:00.123456789Z", "", {}};
}

// runc's `state` keys and order; annotations only when there are some.
TEST(OciWriter, StateHasRuncShape) {
    oci::State state = sample_state();
    EXPECT_EQ(oci::write_state(state),
              R"({"ociVersion":"1.3.0","id":"c1","pid":4242,"status":"running","bundle":"/bundles/c1",)"
              R"("rootfs":"/bundles/c1/rootfs","created":"2026-11-22T16:00:00.123456789Z","owner":""})");
    state.annotations = {{"a", "b"}};
    EXPECT_NE(oci::write_state(state).find(R"("annotations":{"a":"b"},"owner":"")"), std::string::npos);
    EXPECT_EQ(oci::write_state(state, true).substr(0, 26), "{\n  \"ociVersion\": \"1.3.0\",");

    auto parsed = oci::parse_state(oci::write_state(state, true));
    ASSERT_TRUE(parsed.ok()) << parsed.error().what();
    EXPECT_EQ(*parsed, state);
}

TEST(OciWriter, FeaturesHaveRuntimeSpecShape) {
    oci::Features f;
    f.ociVersionMin = "1.0.0";
    f.ociVersionMax = "1.3.0";
    f.hooks = {"prestart", "poststop"};
    f.mountOptions = {"ro"};
    f.linux.namespaces = {"pid", "mount"};
    f.linux.capabilities = {"CAP_KILL"};
    f.linux.cgroup = {true, false, true, false, false};
    f.linux.seccomp = {true, {"SCMP_ACT_ALLOW"}, {"SCMP_CMP_EQ"}, {"SCMP_ARCH_X86_64"}, {"SECCOMP_FILTER_FLAG_LOG"}, {}};
    f.linux.apparmor = false;
    f.linux.selinux = false;
    f.linux.intelRdt = {true, true, false};
    f.linux.memoryPolicy = {{"MPOL_BIND"}, {}};
    f.linux.idmapMounts = true;
    f.linux.netDevices = true;
    f.annotations = {{"org.berth.version", "0.1.0"}};
    f.potentiallyUnsafeConfigAnnotations = {"org.systemd.property."};
    EXPECT_EQ(oci::write_features(f, false),
              R"({"ociVersionMin":"1.0.0","ociVersionMax":"1.3.0","hooks":["prestart","poststop"],)"
              R"("mountOptions":["ro"],"linux":{"namespaces":["pid","mount"],"capabilities":["CAP_KILL"],)"
              R"("cgroup":{"v1":true,"v2":false,"systemd":true,"systemdUser":false,"rdma":false},)"
              R"("seccomp":{"enabled":true,"actions":["SCMP_ACT_ALLOW"],"operators":["SCMP_CMP_EQ"],)"
              R"("archs":["SCMP_ARCH_X86_64"],"knownFlags":["SECCOMP_FILTER_FLAG_LOG"]},)"
              R"("apparmor":{"enabled":false},"selinux":{"enabled":false},)"
              R"("intelRdt":{"enabled":true,"schemata":true,"monitoring":false},"memoryPolicy":{"modes":["MPOL_BIND"]},)"
              R"("mountExtensions":{"idmap":{"enabled":true}},"netDevices":{"enabled":true}},)"
              R"("annotations":{"org.berth.version":"0.1.0"},)"
              R"("potentiallyUnsafeConfigAnnotations":["org.systemd.property."]})");
    EXPECT_NE(oci::write_features(f).find("\n    \"ociVersionMin\""), std::string::npos);

    auto parsed = oci::parse_features(oci::write_features(f));
    ASSERT_TRUE(parsed.ok()) << parsed.error().what();
    EXPECT_EQ(*parsed, f);
}

}  // namespace
