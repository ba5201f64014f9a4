// Every config.json captured from a real client parses, and its key fields
// come out as the client wrote them.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "oci/parser.hpp"

namespace {

oci::Spec load(const std::string& name) {
    auto spec = oci::load_config(std::string(BERTH_TEST_DATA) + "/configs/" + name);
    EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().what());
    return spec.ok() ? *spec : oci::Spec{};
}

std::vector<oci::NamespaceType> namespace_types(const oci::Spec& spec) {
    std::vector<oci::NamespaceType> out;
    for (const auto& ns : spec.linux->namespaces) out.push_back(ns.type);
    return out;
}

const oci::SeccompSyscall* find_syscall(const oci::Seccomp& seccomp, const std::string& name) {
    for (const auto& rule : seccomp.syscalls) {
        if (std::find(rule.names.begin(), rule.names.end(), name) != rule.names.end()) return &rule;
    }
    return nullptr;
}

using NS = oci::NamespaceType;

TEST(OciRealConfigs, RuncSpecDefault) {
    const oci::Spec spec = load("runc-spec-default.json");
    EXPECT_EQ(spec.ociVersion, "1.0.2-dev");
    ASSERT_TRUE(spec.process);
    EXPECT_EQ(spec.process->args, std::vector<std::string>{"true"});
    EXPECT_EQ(spec.process->cwd, "/");
    EXPECT_TRUE(spec.process->noNewPrivileges);
    ASSERT_EQ(spec.process->rlimits.size(), 1u);
    EXPECT_EQ(spec.process->rlimits[0].type, "RLIMIT_NOFILE");
    EXPECT_EQ(spec.process->rlimits[0].hard, 1024u);
    ASSERT_TRUE(spec.process->capabilities);
    EXPECT_EQ(spec.process->capabilities->ambient->size(), 3u);
    EXPECT_FALSE(spec.process->capabilities->inheritable);
    ASSERT_TRUE(spec.root);
    EXPECT_EQ(spec.root->path, "rootfs");
    EXPECT_TRUE(spec.root->readonly);
    EXPECT_EQ(spec.hostname, "runc");
    ASSERT_EQ(spec.mounts.size(), 7u);
    EXPECT_EQ(spec.mounts[2].destination, "/dev/pts");
    EXPECT_EQ(spec.mounts[2].type, "devpts");
    EXPECT_EQ(spec.mounts[2].options.back(), "gid=5");
    EXPECT_EQ(namespace_types(spec), (std::vector<NS>{NS::pid, NS::network, NS::ipc, NS::uts, NS::mount}));
    ASSERT_EQ(spec.linux->resources->devices.size(), 1u);
    EXPECT_FALSE(spec.linux->resources->devices[0].allow);
    EXPECT_EQ(spec.linux->resources->devices[0].access, "rwm");
    EXPECT_EQ(spec.linux->maskedPaths.size(), 10u);
    EXPECT_EQ(spec.linux->readonlyPaths.front(), "/proc/bus");
    EXPECT_FALSE(spec.linux->seccomp);
}

TEST(OciRealConfigs, ContainerdCtr) {
    const oci::Spec spec = load("containerd-ctr.json");
    EXPECT_EQ(spec.process->args, (std::vector<std::string>{"echo", "hi-from-ctr"}));
    EXPECT_EQ(spec.process->user.additionalGids, std::vector<uint32_t>{0});
    EXPECT_EQ(spec.mounts[3].destination, "/dev/shm");
    EXPECT_TRUE(spec.linux->cgroupsPath.has_value());
    EXPECT_FALSE(spec.linux->namespaces.empty());
}

TEST(OciRealConfigs, ContainerdCriJoinsSandboxNamespaces) {
    const oci::Spec spec = load("containerd-cri-a.json");
    EXPECT_EQ(spec.process->args, (std::vector<std::string>{"sleep", "1000"}));
    EXPECT_EQ(spec.linux->cgroupsPath,
              "/clients-cri/b9d429dbe7f9c5c14bd8bbd62f3e414dd777eb4ff7f5649b340f344e47ae2433");
    ASSERT_EQ(spec.linux->namespaces.size(), 5u);
    EXPECT_EQ(spec.linux->namespaces[0].type, NS::pid);
    EXPECT_EQ(spec.linux->namespaces[0].path, "/proc/20655/ns/pid");
    EXPECT_EQ(spec.linux->namespaces[3].type, NS::mount);
    EXPECT_FALSE(spec.linux->namespaces[3].path);
    EXPECT_EQ(spec.annotations.at("io.kubernetes.cri.container-type"), "container");
    EXPECT_EQ(spec.mounts.back().options, (std::vector<std::string>{"rbind", "rprivate", "rw"}));

    const oci::Spec b = load("containerd-cri-b.json");
    EXPECT_TRUE(b.process->noNewPrivileges);
    EXPECT_TRUE(b.process->oomScoreAdj.has_value());
    EXPECT_FALSE(b.linux->maskedPaths.empty());
}

TEST(OciRealConfigs, DockerHooksSeccompAndSysctl) {
    for (const char* name : {"docker-largest.json", "docker-smallest.json"}) {
        SCOPED_TRACE(name);
        const oci::Spec spec = load(name);
        ASSERT_TRUE(spec.hooks);
        ASSERT_EQ(spec.hooks->prestart.size(), 1u);
        EXPECT_EQ(spec.hooks->prestart[0].args.at(0), "libnetwork-setkey");
        EXPECT_FALSE(spec.hooks->prestart[0].timeout);
        ASSERT_TRUE(spec.linux->seccomp);
        EXPECT_EQ(spec.linux->seccomp->defaultAction, "SCMP_ACT_ERRNO");
        const oci::SeccompSyscall* clone = find_syscall(*spec.linux->seccomp, "clone");
        ASSERT_NE(clone, nullptr);
        ASSERT_EQ(clone->args.size(), 1u);
        EXPECT_EQ(clone->args[0].op, "SCMP_CMP_MASKED_EQ");
        EXPECT_EQ(clone->args[0].value, 2114060288u);
        const oci::SeccompSyscall* clone3 = find_syscall(*spec.linux->seccomp, "clone3");
        ASSERT_NE(clone3, nullptr);
        EXPECT_EQ(clone3->errnoRet, 38u);
        EXPECT_EQ(spec.linux->sysctl.at("net.ipv4.ip_unprivileged_port_start"), "0");
        EXPECT_EQ(spec.linux->cgroupsPath->rfind("/docker/", 0), 0u);
        EXPECT_EQ(spec.process->oomScoreAdj, 0);
    }
    const oci::Spec spec = load("docker-largest.json");
    EXPECT_EQ(spec.process->args, (std::vector<std::string>{"/sbin/docker-init", "--", "ps"}));
    const auto& devices = spec.linux->resources->devices;
    ASSERT_EQ(devices.size(), 8u);
    EXPECT_EQ(devices[7].major, 10);
    EXPECT_EQ(devices[7].minor, 229);
    EXPECT_EQ(spec.linux->resources->memory->disableOOMKiller, false);
    EXPECT_EQ(spec.linux->resources->cpu->shares, 0u);
    EXPECT_EQ(spec.linux->resources->blockIO->weight, 0);
    EXPECT_EQ(namespace_types(spec), (std::vector<NS>{NS::mount, NS::network, NS::uts, NS::pid, NS::ipc}));
}

TEST(OciRealConfigs, PodmanSeccompRlimitsAndPids) {
    for (const char* name : {"podman-largest.json", "podman-smallest.json"}) {
        SCOPED_TRACE(name);
        const oci::Spec spec = load(name);
        EXPECT_EQ(spec.process->user.umask, 18u);
        ASSERT_TRUE(spec.linux->seccomp);
        EXPECT_EQ(spec.linux->seccomp->defaultErrnoRet, 38u);
        EXPECT_EQ(spec.linux->seccomp->architectures,
                  (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
        const oci::SeccompSyscall* bpf = find_syscall(*spec.linux->seccomp, "bpf");
        ASSERT_NE(bpf, nullptr);
        EXPECT_EQ(bpf->action, "SCMP_ACT_ERRNO");
        EXPECT_EQ(bpf->errnoRet, 1u);
        EXPECT_EQ(spec.annotations.at("io.container.manager"), "libpod");
        EXPECT_EQ(spec.linux->cgroupsPath->rfind("/libpod_parent/libpod-", 0), 0u);
    }
    const oci::Spec spec = load("podman-largest.json");
    EXPECT_EQ(spec.process->args, (std::vector<std::string>{"ip", "link"}));
    ASSERT_EQ(spec.process->rlimits.size(), 2u);
    EXPECT_EQ(spec.process->rlimits[1].type, "RLIMIT_NPROC");
    EXPECT_EQ(spec.process->rlimits[1].soft, 32768u);
    EXPECT_EQ(spec.linux->resources->pids->limit, 2048);
    EXPECT_EQ(spec.mounts[5].destination, "/etc/resolv.conf");
    EXPECT_EQ(spec.mounts[5].type, "bind");
    const oci::SeccompSyscall* personality = find_syscall(*spec.linux->seccomp, "personality");
    ASSERT_NE(personality, nullptr);
    EXPECT_EQ(personality->args.at(0).index, 0u);
    EXPECT_EQ(namespace_types(spec), (std::vector<NS>{NS::pid, NS::ipc, NS::uts, NS::mount}));
}

// Writing a real config and parsing it back loses nothing.
TEST(OciRealConfigs, RoundTripThroughWriter) {
    for (const char* name : {"runc-spec-default.json", "containerd-ctr.json", "containerd-cri-a.json",
                             "containerd-cri-b.json", "docker-largest.json", "docker-smallest.json",
                             "podman-largest.json", "podman-smallest.json"}) {
        SCOPED_TRACE(name);
        const oci::Spec spec = load(name);
        for (bool pretty : {false, true}) {
            auto again = oci::parse_config(oci::write_config(spec, pretty));
            ASSERT_TRUE(again.ok()) << again.error().what();
            EXPECT_EQ(*again, spec);
        }
    }
}

}  // namespace
