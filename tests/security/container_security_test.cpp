// Process security seen from inside a real container (the probe reports
// /proc/self/status): capability sets, no_new_privs, seccomp (Docker's and
// podman's default profiles, errnoRet), and the clear refusals for what this
// host cannot grant (CAP_SYS_RESOURCE, LSM labels without the LSM).
#include <linux/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "harness/harness.hpp"
#include "oci/parser.hpp"

namespace berth::test {
namespace {

using Names = std::vector<std::string>;

Names sorted(Names v) {
    std::sort(v.begin(), v.end());
    return v;
}

oci::Seccomp profile_of(const std::string& config) {
    auto spec = oci::load_config(std::string(BERTH_TEST_DATA) + "/configs/" + config);
    if (!spec || !spec->linux || !spec->linux->seccomp) throw std::runtime_error("no seccomp in " + config);
    return *spec->linux->seccomp;
}

class ContainerSecurity : public IntegrationTest {};

TEST_F(ContainerSecurity, CapabilitySetsAreExactlyTheConfigured) {
    auto bundle = make_bundle();
    oci::Capabilities caps;
    caps.bounding = Names{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID"};
    caps.effective = Names{"CAP_KILL", "CAP_NET_BIND_SERVICE"};
    caps.permitted = Names{"CAP_KILL", "CAP_NET_BIND_SERVICE"};
    caps.inheritable = Names{"CAP_KILL"};
    caps.ambient = Names{"CAP_KILL"};
    bundle.spec.process->capabilities = caps;
    bundle.spec.process->user.uid = 1000;  // non-root: only keep-caps + ambient keep these
    bundle.spec.process->user.gid = 1000;
    auto report = run_probe(bundle);
    EXPECT_EQ(sorted(report.capabilities("bounding")), sorted(*caps.bounding));
    EXPECT_EQ(report.capabilities("inheritable"), Names{"CAP_KILL"});
    EXPECT_EQ(report.capabilities("ambient"), Names{"CAP_KILL"});
    // After execve a non-root process keeps what is ambient.
    EXPECT_EQ(report.capabilities("permitted"), Names{"CAP_KILL"});
    EXPECT_EQ(report.capabilities("effective"), Names{"CAP_KILL"});
}

TEST_F(ContainerSecurity, RootKeepsTheBoundingSetOnly) {
    auto bundle = make_bundle();
    oci::Capabilities caps;
    caps.bounding = Names{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    caps.effective = caps.permitted = caps.bounding;
    bundle.spec.process->capabilities = caps;
    auto report = run_probe(bundle);
    EXPECT_EQ(sorted(report.capabilities("bounding")), sorted(*caps.bounding));
    EXPECT_EQ(sorted(report.capabilities("effective")), sorted(*caps.bounding));
    EXPECT_TRUE(report.capabilities("inheritable").empty());
}

// The runtime spec: a capability that cannot be granted is a warning, and
// the container runs without it.
TEST_F(ContainerSecurity, CapabilityTheHostLacksIsLeftOutWithAWarning) {
    // Only meaningful where berth itself lacks it (this host: not in the bounding set).
    if (prctl(PR_CAPBSET_READ, CAP_SYS_RESOURCE, 0, 0, 0) != 0) GTEST_SKIP() << "this host can grant CAP_SYS_RESOURCE";
    auto bundle = make_bundle();
    bundle.spec.process->capabilities->bounding->push_back("CAP_SYS_RESOURCE");
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.err.find("ignoring unknown or unavailable capabilities: [CAP_SYS_RESOURCE]"), std::string::npos)
        << r.describe();
    auto report = ProbeReport::parse(r.out);
    auto bounding = report.capabilities("bounding");
    EXPECT_EQ(std::find(bounding.begin(), bounding.end(), "CAP_SYS_RESOURCE"), bounding.end());
}

TEST_F(ContainerSecurity, NoNewPrivileges) {
    auto bundle = make_bundle();
    bundle.spec.process->noNewPrivileges = true;
    EXPECT_TRUE(run_probe(bundle).no_new_privs());
    auto other = make_bundle();
    other.spec.process->noNewPrivileges = false;
    EXPECT_FALSE(run_probe(other).no_new_privs());
}

TEST_F(ContainerSecurity, DockerDefaultProfileWithAndWithoutNoNewPrivileges) {
    for (bool nnp : {false, true}) {
        auto bundle = make_bundle();
        bundle.spec.linux->seccomp = profile_of("docker-largest.json");
        bundle.spec.process->noNewPrivileges = nnp;
        auto report = run_probe(bundle);
        EXPECT_EQ(report.seccomp_mode(), 2) << "nnp=" << nnp;
        EXPECT_EQ(report.no_new_privs(), nnp);
    }
}

TEST_F(ContainerSecurity, PodmanProfileErrnoRetReachesTheProcess) {
    auto bundle = make_bundle();
    bundle.spec.linux->seccomp = profile_of("podman-largest.json");
    bundle.spec.root->readonly = false;
    // With CAP_SYS_ADMIN in its own UTS namespace sethostname would work; podman's
    // profile refuses it with errnoRet 1 (EPERM), while mkdir stays allowed.
    for (auto* set : {&bundle.spec.process->capabilities->bounding, &bundle.spec.process->capabilities->effective,
                      &bundle.spec.process->capabilities->permitted})
        (*set)->push_back("CAP_SYS_ADMIN");
    bundle.spec.process->args = {"/bin/sh", "-c", "mkdir /tmp/ok && echo mkdir-ok; hostname other 2>&1; echo rc=$?"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.out.find("mkdir-ok"), std::string::npos) << r.describe();
    EXPECT_NE(r.out.find("Operation not permitted"), std::string::npos) << r.describe();
    EXPECT_NE(r.out.find("rc=1"), std::string::npos) << r.describe();
}

TEST_F(ContainerSecurity, WithoutSeccompSethostnameWorks) {
    // The control for the test above: the refusal really is the filter's.
    auto bundle = make_bundle();
    for (auto* set : {&bundle.spec.process->capabilities->bounding, &bundle.spec.process->capabilities->effective,
                      &bundle.spec.process->capabilities->permitted})
        (*set)->push_back("CAP_SYS_ADMIN");
    bundle.spec.process->args = {"/bin/sh", "-c", "hostname other && hostname"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.out.find("other"), std::string::npos) << r.describe();
}

TEST_F(ContainerSecurity, SeccompErrnoRetOnOneSyscall) {
    auto bundle = make_bundle();
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    s.syscalls.push_back(oci::SeccompSyscall{{"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO", 13u, {}});  // EACCES
    bundle.spec.linux->seccomp = s;
    bundle.spec.root->readonly = false;
    bundle.spec.process->args = {"/bin/sh", "-c", "mkdir /tmp/x 2>&1; [ -e /tmp/x ] && echo made"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_NE(r.out.find("Permission denied"), std::string::npos) << r.describe();
    EXPECT_EQ(r.out.find("made"), std::string::npos) << r.describe();
}

// runc 1.2+ logs the flags the filter is loaded with at debug level, for
// run and exec alike (its seccomp.bats checks the number: LOG is 2).
TEST_F(ContainerSecurity, DebugLogNamesTheSeccompFilterFlags) {
    if (!runtime_is_berth()) GTEST_SKIP() << "runc 1.1 does not log them";
    auto bundle = make_bundle();
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    s.flags = std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"};
    bundle.spec.linux->seccomp = s;
    bundle.spec.process->args = {"/bin/sleep", "60"};
    bundle.write();
    const std::string id = last_id();
    auto r = run_berth("--debug", "run", "--detach", "--bundle", bundle.path(), id);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.err.find("level=debug msg=\"seccomp filter flags: 2\""), std::string::npos) << r.describe();
    auto e = run_berth("--debug", "exec", id, "true");
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
    EXPECT_EQ(e.exit_code, 0) << e.describe();
    EXPECT_NE(e.err.find("level=debug msg=\"seccomp filter flags: 2\""), std::string::npos) << e.describe();
}

TEST_F(ContainerSecurity, SeccompUnknownActionNamesItsPath) {
    if (!runtime_is_berth()) GTEST_SKIP() << "berth's error text";
    auto bundle = make_bundle();
    oci::Seccomp s = profile_of("docker-largest.json");
    s.syscalls.at(2).action = "SCMP_ACT_FOO";
    bundle.spec.linux->seccomp = s;
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_NE(r.exit_code, 0);
    // The config parser already knows the spec's actions; either way the
    // error names the JSON path and the value.
    EXPECT_NE(r.err.find("linux.seccomp.syscalls[2].action"), std::string::npos) << r.describe();
    EXPECT_NE(r.err.find("SCMP_ACT_FOO"), std::string::npos) << r.describe();
}

TEST_F(ContainerSecurity, CompiledFilterCacheIsReused) {
    if (!runtime_is_berth()) GTEST_SKIP() << "berth's cache";
    const oci::Seccomp s = profile_of("docker-largest.json");
    for (int i = 0; i < 2; ++i) {
        auto bundle = make_bundle();
        bundle.spec.linux->seccomp = s;
        EXPECT_EQ(run_probe(bundle).seccomp_mode(), 2);
    }
    size_t entries = 0;
    for (const auto& e : std::filesystem::directory_iterator(state_root() + "/@seccomp-cache")) {
        EXPECT_EQ(e.path().extension(), ".bpf") << e.path();
        ++entries;
    }
    EXPECT_EQ(entries, 1u);
}

// `exec` gets the container's filter and capability bounding set too (runc
// applies the config's seccomp to every exec'd process).
TEST_F(ContainerSecurity, ExecProcessIsConfinedLikeTheInit) {
    auto bundle = make_bundle();
    bundle.spec.linux->seccomp = profile_of("docker-largest.json");
    bundle.spec.process->args = {"/bin/sleep", "60"};
    bundle.write();
    const std::string id = last_id();
    auto r = run_berth("run", "--detach", "--bundle", bundle.path(), id);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto e = run_berth("exec", id, "/bin/probe");
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
    ASSERT_EQ(e.exit_code, 0) << e.describe();
    auto report = ProbeReport::parse(e.out);
    EXPECT_EQ(report.seccomp_mode(), 2);
    EXPECT_EQ(sorted(report.capabilities("bounding")), sorted(*bundle.spec.process->capabilities->bounding));
}

// This host has neither AppArmor nor SELinux. runc 1.1.5 fails such configs
// too, checked here: selinuxLabel up front with this text, apparmorProfile
// when its init writes /proc/self/attr/exec (EINVAL), mountLabel at the first
// labelled mount (`mount tmpfs:/dev ... context="...": invalid argument`).
// berth refuses all three before creating anything, naming the LSM.
TEST_F(ContainerSecurity, LabelsWithoutTheirLsmAreRefused) {
    if (!runtime_is_berth()) GTEST_SKIP() << "berth's error text";
    if (access("/sys/fs/selinux/enforce", F_OK) == 0 || access("/sys/module/apparmor", F_OK) == 0)
        GTEST_SKIP() << "an LSM is enabled here";
    auto selinux = make_bundle();
    selinux.spec.process->selinuxLabel = "system_u:system_r:container_t:s0";
    selinux.write();
    auto r = run_berth("run", "--bundle", selinux.path(), last_id());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("selinux label is specified in config, but selinux is disabled or not supported"),
              std::string::npos)
        << r.describe();
    auto apparmor = make_bundle();
    apparmor.spec.process->apparmorProfile = "docker-default";
    apparmor.write();
    r = run_berth("run", "--bundle", apparmor.path(), last_id());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("apparmor is disabled or not supported"), std::string::npos) << r.describe();
    auto mount_label = make_bundle();
    mount_label.spec.linux->mountLabel = "system_u:object_r:container_file_t:s0:c1,c2";
    mount_label.write();
    r = run_berth("run", "--bundle", mount_label.path(), last_id());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("linux.mountLabel is specified in config, but selinux is disabled or not supported"),
              std::string::npos)
        << r.describe();
}

}  // namespace
}  // namespace berth::test
