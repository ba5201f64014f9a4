// linux.memoryPolicy: set_mempolicy in the init and in exec'd processes (as
// runc), observed from inside through /proc/self/numa_maps, whose first
// mapping shows the task's policy ("bind:0", "interleave:0", "default").
// This host has node 0 only, so node 0 is the one every test binds to.
#include "harness/harness.hpp"

namespace berth::test {
namespace {

// The policy column of the first mapping of the process that runs this.
const std::vector<std::string> kShowPolicy = {"/bin/sh", "-c", "head -n 1 /proc/self/numa_maps | cut -d ' ' -f 2"};

class MemoryPolicy : public IntegrationTest {
protected:
    RunResult run_with(const oci::MemoryPolicy& policy) {
        auto bundle = make_bundle();
        bundle.spec.process->args = kShowPolicy;
        bundle.spec.linux->memoryPolicy = policy;
        bundle.write();
        return run_berth("run", "--bundle", bundle.path(), last_id());
    }
};

TEST_F(MemoryPolicy, BindAndInterleaveToNodeZeroAreWhatTheProcessHas) {
    auto r = run_with({"MPOL_BIND", "0", {}});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "bind:0\n");
    r = run_with({"MPOL_INTERLEAVE", "0", {}});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "interleave:0\n");
    r = run_with({"MPOL_BIND", "0", {"MPOL_F_STATIC_NODES"}});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "bind=static:0\n");
    r = run_with({"MPOL_DEFAULT", std::nullopt, {}});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "default\n");
}

TEST_F(MemoryPolicy, ExecdProcessesGetItToo) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"sleep", "100"};
    bundle.spec.linux->memoryPolicy = oci::MemoryPolicy{"MPOL_PREFERRED", "0", {"MPOL_F_RELATIVE_NODES"}};
    bundle.write();
    ASSERT_EQ(run_berth("run", "--detach", "--bundle", bundle.path(), last_id()).exit_code, 0);
    std::vector<std::string> exec = {"exec", last_id()};
    exec.insert(exec.end(), kShowPolicy.begin(), kShowPolicy.end());
    auto r = run_berth_argv(exec);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "prefer=relative:0\n");
    EXPECT_EQ(run_berth("delete", "--force", last_id()).exit_code, 0);
}

TEST_F(MemoryPolicy, ErrorsNameTheField) {
    // a node this host does not have: the kernel refuses it (EINVAL)
    auto r = run_with({"MPOL_BIND", "7", {}});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("set_mempolicy (linux.memoryPolicy): invalid argument"), std::string::npos) << r.describe();
    EXPECT_NE(run_berth("state", last_id()).exit_code, 0) << "a failed run leaves nothing";
    r = run_with({"MPOL_DEFAULT", "0-7", {}});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("linux.memoryPolicy.nodes: memory policy mode requires 0 nodes but got 8"), std::string::npos)
        << r.describe();
    r = run_with({"MPOL_INTERLEAVE", std::nullopt, {}});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("requires at least one node"), std::string::npos) << r.describe();
}

}  // namespace
}  // namespace berth::test
