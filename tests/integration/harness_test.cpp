// Self-tests of the integration harness: the probe reports what the config
// asked for and the leak check finds what a test leaves behind. They hold for
// any OCI runtime (run them with BERTH_TEST_RUNTIME=runc to check the harness).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

bool contains(const std::vector<std::string>& items, const std::string& item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

TEST_F(IntegrationTest, ProbeSeesHostnameUserAndGroups) {
    auto bundle = make_bundle();
    bundle.spec.hostname = "probe-host";
    bundle.spec.process->user.uid = 1000;
    bundle.spec.process->user.gid = 1000;
    bundle.spec.process->user.additionalGids = {100};
    auto report = run_probe(bundle);
    EXPECT_EQ(report.hostname(), "probe-host");
    EXPECT_EQ(report.uid(), 1000u);
    EXPECT_EQ(report.euid(), 1000u);
    EXPECT_EQ(report.gid(), 1000u);
    auto groups = report.groups();
    EXPECT_NE(std::find(groups.begin(), groups.end(), 100u), groups.end());
}

TEST_F(IntegrationTest, ProbeSeesEnvCwdAndArgs) {
    auto bundle = make_bundle();
    bundle.spec.process->env.push_back("HARNESS=yes");
    bundle.spec.process->cwd = "/tmp";
    bundle.spec.process->args = {"probe", "--exit", "0"};  // resolved through PATH
    auto report = run_probe(bundle);
    EXPECT_EQ(report.env_value("HARNESS"), "yes");
    EXPECT_EQ(report.cwd(), "/tmp");
    ASSERT_TRUE(report.json()["argv"].IsArray());
    EXPECT_STREQ(report.json()["argv"][0].GetString(), "probe");
}

TEST_F(IntegrationTest, ProbeSeesRequestedNamespacesOnly) {
    auto bundle = make_bundle();
    auto report = run_probe(bundle);
    // The default config asks for pid, network, ipc, uts and mount namespaces.
    for (const char* ns : {"pid", "net", "ipc", "uts", "mnt"}) EXPECT_NE(report.ns_inode(ns), host_ns_inode(ns)) << ns;
    for (const char* ns : {"user"}) EXPECT_EQ(report.ns_inode(ns), host_ns_inode(ns)) << ns;
    EXPECT_EQ(report.pid(), 1);
}

TEST_F(IntegrationTest, ProbeSeesRootfsMountsAndDevices) {
    auto bundle = make_bundle();
    auto report = run_probe(bundle);
    EXPECT_TRUE(report.root_readonly());  // root.readonly in the default config
    auto proc = report.mount_at("/proc");
    ASSERT_TRUE(proc.has_value());
    EXPECT_EQ(proc->fstype, "proc");
    auto dev = report.mount_at("/dev");
    ASSERT_TRUE(dev.has_value());
    EXPECT_EQ(dev->fstype, "tmpfs");
    auto null = report.device("null");
    ASSERT_TRUE(null.has_value());
    EXPECT_EQ(null->type, 'c');
    EXPECT_EQ(null->major, 1u);
    EXPECT_EQ(null->minor, 3u);
    EXPECT_EQ(null->mode, 0666u);
}

TEST_F(IntegrationTest, ProbeSeesCapabilitiesAndSecurityState) {
    auto bundle = make_bundle();
    auto report = run_probe(bundle);
    auto effective = report.capabilities("effective");
    std::sort(effective.begin(), effective.end());
    EXPECT_EQ(effective, (std::vector<std::string>{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}));
    EXPECT_FALSE(contains(report.capabilities("bounding"), "CAP_SYS_ADMIN"));
    EXPECT_TRUE(report.no_new_privs());
    EXPECT_EQ(report.rlimit("RLIMIT_NOFILE"), (std::pair<uint64_t, uint64_t>{1024, 1024}));
    // Only stdio is open: the runtime closed everything else before exec.
    auto fds = report.fds();
    ASSERT_EQ(fds.size(), 3u);
    EXPECT_EQ(fds[2].first, 2);
}

TEST_F(IntegrationTest, ProbeRunsInTheConfiguredCgroup) {
    auto bundle = make_bundle();
    auto report = run_probe(bundle);
    const std::string expected = cgroup_parent() + "/" + last_id();
    bool found = false;
    for (const auto& [controllers, path] : report.cgroups())
        if (path == expected || path == "/") found = true;  // "/" when a cgroup namespace is used
    EXPECT_TRUE(found) << "no cgroup line with path " << expected;
}

TEST_F(IntegrationTest, LeakCheckFindsAContainerLeftBehind) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"sleep", "1000"};
    bundle.write();
    LeakCheck check(state_root(), cgroup_parent() + "-inner");
    auto created = run_berth("create", "--bundle", bundle.path(), last_id());
    ASSERT_EQ(created.exit_code, 0) << created.describe();
    std::vector<std::string> deleted;
    auto leaks = check.finish([&](const std::string& id) {
        deleted.push_back(id);
        run_berth("delete", "--force", id);
    });
    EXPECT_EQ(deleted, std::vector<std::string>{last_id()});
    ASSERT_FALSE(leaks.empty());
    EXPECT_NE(leaks[0].find("state left"), std::string::npos) << leaks[0];
}

TEST_F(IntegrationTest, StateOfFollowsACreatedContainer) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"sleep", "1000"};
    bundle.write();
    const std::string id = last_id();
    auto created = run_berth("create", "--bundle", bundle.path(), id);
    ASSERT_EQ(created.exit_code, 0) << created.describe();
    auto state = state_of(id);
    EXPECT_EQ(state.status, "created") << state.result.describe();
    EXPECT_GT(state.pid, 0);
    EXPECT_EQ(state.bundle, bundle.path());
    auto deleted = run_berth("delete", "--force", id);
    EXPECT_EQ(deleted.exit_code, 0) << deleted.describe();
    EXPECT_EQ(wait_for_status(id, ""), "");
}

TEST_F(IntegrationTest, DetachedProbeReportsThroughCreatesStdout) {
    auto bundle = make_bundle();
    bundle.spec.hostname = "detached";
    bundle.write();
    const std::string id = last_id();
    auto created = run_berth("create", "--bundle", bundle.path(), id);
    ASSERT_EQ(created.exit_code, 0) << created.describe();
    EXPECT_EQ(state_of(id).status, "created");
    auto started = run_berth("start", id);
    ASSERT_EQ(started.exit_code, 0) << started.describe();
    ASSERT_EQ(wait_for_status(id, "stopped"), "stopped");
    auto report = ProbeReport::parse(read_file(created.out_path));
    EXPECT_EQ(report.hostname(), "detached");
    auto deleted = run_berth("delete", id);
    EXPECT_EQ(deleted.exit_code, 0) << deleted.describe();
}

TEST_F(IntegrationTest, ProbeOutFileWhileTheContainerKeepsRunning) {
    auto bundle = make_bundle();
    bundle.spec.root->readonly = false;  // the report goes to the rootfs' /tmp
    bundle.spec.process->args = {kProbePath, "--out", "/tmp/report.json", "--sleep", "1000"};
    bundle.write();
    const std::string id = last_id();
    ASSERT_EQ(run_berth("run", "--detach", "--bundle", bundle.path(), id).exit_code, 0);
    const std::string report_path = bundle.rootfs() + "/tmp/report.json";
    for (int i = 0; i < 1500 && !std::filesystem::exists(report_path); ++i)  // hang guard, not timing
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto report = ProbeReport::parse(read_file(report_path));
    auto state = state_of(id);
    EXPECT_EQ(state.status, "running");
    EXPECT_EQ(report.pid(), 1);
    EXPECT_NE(state.pid, 1);  // the host's view of the same process
    ASSERT_EQ(run_berth("kill", id, "KILL").exit_code, 0);
    EXPECT_EQ(wait_for_status(id, "stopped"), "stopped");
    auto deleted = run_berth("delete", id);
    EXPECT_EQ(deleted.exit_code, 0) << deleted.describe();
}

TEST_F(IntegrationTest, RunCommandTimesOut) {
    RunOptions options;
    options.timeout = std::chrono::milliseconds(200);
    auto result = run_command({"sleep", "30"}, dir() + "/sleep", options);
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.exit_code, -1);
}

}  // namespace
}  // namespace berth::test
