// CPU affinity of the container's processes (runc 1.3's cpu_affinity.bats):
// a process does not keep the affinity berth's caller ran with: once in the
// container's cgroups it may use every CPU of its cpuset. process.execCPUAffinity
// is for exec'd processes only (runtime-spec: not the init): `initial` before
// the cgroup join, `final` after; an initial affinity alone is kept.
#include <sched.h>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

std::vector<int> cpus_of(const ProbeReport& report) {
    std::vector<int> out;
    for (const auto& cpu : report.json()["cpus"].GetArray()) out.push_back(cpu.GetInt());
    return out;
}

class CpuAffinity : public IntegrationTest {
protected:
    void SetUp() override {
        IntegrationTest::SetUp();
        ASSERT_EQ(::sched_getaffinity(0, sizeof(saved_), &saved_), 0);
        if (!CPU_ISSET(0, &saved_) || !CPU_ISSET(1, &saved_)) GTEST_SKIP() << "needs CPUs 0 and 1";
    }
    void TearDown() override {
        (void)::sched_setaffinity(0, sizeof(saved_), &saved_);
        IntegrationTest::TearDown();
    }
    // berth (and so whatever it starts) runs on CPU 0 alone, as under `taskset -c 0`.
    void pin_to_cpu0() {
        cpu_set_t only{};
        CPU_SET(0, &only);
        ASSERT_EQ(::sched_setaffinity(0, sizeof(only), &only), 0);
    }
    Bundle bundle_with(std::optional<std::string> cpuset) {
        auto bundle = make_bundle();
        if (cpuset) {
            oci::Resources r;
            r.cpu = oci::CPU{};
            r.cpu->cpus = *cpuset;
            r.cpu->mems = "0";
            bundle.spec.linux->resources = r;
        }
        return bundle;
    }
    ProbeReport exec_probe(const std::string& id, const std::string& process_json = "") {
        RunOptions options;
        options.stdin_data = process_json;
        RunResult r = process_json.empty() ? run_berth("exec", id, "/bin/probe")
                                           : run_berth_argv({"exec", "--process", "/dev/stdin", id}, options);
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        return ProbeReport::parse(r.out);
    }
    std::string start_sleeper(Bundle bundle) {
        bundle.spec.process->args = {"/bin/probe", "--sleep", "600"};
        bundle.write();
        auto r = run_berth("run", "--detach", "--bundle", bundle.path(), last_id());
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        return last_id();
    }
    cpu_set_t saved_{};
};

TEST_F(CpuAffinity, InitGetsEveryCpuNotTheCallers) {
    auto bundle = bundle_with(std::nullopt);
    pin_to_cpu0();
    EXPECT_EQ(cpus_of(run_probe(bundle)), (std::vector<int>{0, 1}));
}

TEST_F(CpuAffinity, InitGetsItsCpuset) {
    pin_to_cpu0();
    auto both = bundle_with("0-1");
    EXPECT_EQ(cpus_of(run_probe(both)), (std::vector<int>{0, 1}));
    auto other = bundle_with("1");  // no overlap with the caller's
    EXPECT_EQ(cpus_of(run_probe(other)), (std::vector<int>{1}));
}

TEST_F(CpuAffinity, InitIgnoresExecCpuAffinityWhichExecdProcessesGet) {
    auto bundle = bundle_with(std::nullopt);
    bundle.spec.process->execCPUAffinity = oci::ExecCPUAffinity{.initial = "0", .final = "1"};
    pin_to_cpu0();
    auto id = start_sleeper(bundle);
    const std::string status = read_file("/proc/" + std::to_string(state_of(id).pid) + "/status");
    EXPECT_NE(status.find("Cpus_allowed_list:\t0-1\n"), std::string::npos) << status;
    EXPECT_EQ(cpus_of(exec_probe(id)), (std::vector<int>{1}));
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
}

TEST_F(CpuAffinity, ExecResetsUnlessProcessJsonSaysOtherwise) {
    pin_to_cpu0();
    auto id = start_sleeper(bundle_with(std::nullopt));
    EXPECT_EQ(cpus_of(exec_probe(id)), (std::vector<int>{0, 1}));
    const std::string head = R"({"args": ["/bin/probe"], "cwd": "/", "env": ["PATH=/bin"], )";
    // An initial affinity alone stays after the cgroup join (as runc).
    EXPECT_EQ(cpus_of(exec_probe(id, head + R"("execCPUAffinity": {"initial": "1"}})")), (std::vector<int>{1}));
    EXPECT_EQ(cpus_of(exec_probe(id, head + R"("execCPUAffinity": {"initial": "0", "final": "1"}})")),
              (std::vector<int>{1}));
    // CPUs the kernel refuses (none of them online) fail the exec, naming the field.
    RunOptions options;
    options.stdin_data = head + R"("execCPUAffinity": {"initial": "1000"}})";
    auto r = run_berth_argv({"exec", "--process", "/dev/stdin", id}, options);
    EXPECT_NE(r.exit_code, 0) << r.describe();
    if (runtime_is_berth()) {
        EXPECT_NE(r.err.find("execCPUAffinity.initial"), std::string::npos) << r.describe();
    }
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
}

TEST_F(CpuAffinity, ExecGetsTheContainersCpuset) {
    pin_to_cpu0();
    auto id = start_sleeper(bundle_with("1"));
    EXPECT_EQ(cpus_of(exec_probe(id)), (std::vector<int>{1}));
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
}

}  // namespace
}  // namespace berth::test
