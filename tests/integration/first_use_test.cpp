// Defects a new user meets on a first run (issue 15): configs that work with
// runc and crun (old seccomp profiles, unknown capabilities, repeated
// environment keys, distroless images) must work with berth too.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

namespace fs = std::filesystem;

// An allow-list profile as written before Linux 5.9: default EPERM, and the
// newest syscall it names (clone3) older than close_range. Enough for
// busybox's sh, and deliberately without close_range and close.
oci::Seccomp pre_5_9_allow_list() {
    oci::Seccomp seccomp;
    seccomp.defaultAction = "SCMP_ACT_ERRNO";
    oci::SeccompSyscall allowed;
    allowed.action = "SCMP_ACT_ALLOW";
    allowed.names = {"execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "exit", "exit_group",
                     "getuid", "geteuid", "getgid", "getegid", "getpid", "getppid", "gettid", "getcwd", "chdir",
                     "read", "write", "readv", "writev", "openat", "open", "fstat", "newfstatat", "stat", "lstat",
                     "access", "faccessat", "fcntl", "ioctl", "mmap", "munmap", "mprotect", "rt_sigaction",
                     "rt_sigprocmask", "rt_sigreturn", "setresuid", "setresgid", "setgroups", "capget", "capset",
                     "prctl", "uname", "wait4", "dup2", "dup3", "getdents64", "futex", "prlimit64", "nanosleep", "clock_nanosleep", "clone3"};
    seccomp.syscalls = {allowed};
    return seccomp;
}

TEST_F(IntegrationTest, AnAllowListOlderThanCloseRangeRunsTheContainer) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"/bin/sh", "-c", "exit 7"};
    bundle.spec.process->noNewPrivileges = false;  // the filter goes on before berth is done
    bundle.spec.linux->seccomp = pre_5_9_allow_list();
    bundle.write();
    auto run = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_EQ(run.exit_code, 7) << run.describe();
}

TEST_F(IntegrationTest, AnAllowListOlderThanCloseRangeLetsExecRun) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"/bin/sleep", "60"};
    bundle.spec.process->noNewPrivileges = false;
    bundle.spec.linux->seccomp = pre_5_9_allow_list();
    bundle.write();
    ASSERT_EQ(run_berth("run", "--detach", "--bundle", bundle.path(), last_id()).exit_code, 0);
    auto exec = run_berth("exec", last_id(), "/bin/sh", "-c", "exit 5");
    EXPECT_EQ(exec.exit_code, 5) << exec.describe();
    EXPECT_EQ(run_berth("delete", "--force", last_id()).exit_code, 0);
}

// runtime-spec config.md: a capability that cannot be mapped or granted is
// logged as a warning and the container runs (runc 1.2+ words it so).
TEST_F(IntegrationTest, UnknownCapabilitiesWarnAndTheContainerRuns) {
    auto bundle = make_bundle();
    bundle.spec.process->capabilities->bounding->push_back("CAP_FOO");
    bundle.spec.process->capabilities->effective->push_back("CAP_BAR");
    bundle.spec.process->capabilities->permitted->push_back("CAP_BAR");
    bundle.write();
    auto run = run_berth("run", "--bundle", bundle.path(), last_id());
    ASSERT_EQ(run.exit_code, 0) << run.describe();
    EXPECT_NE(run.err.find("ignoring unknown or unavailable capabilities: [CAP_BAR CAP_FOO]"), std::string::npos)
        << run.describe();
    auto effective = ProbeReport::parse(run.out).capabilities("effective");
    EXPECT_NE(std::find(effective.begin(), effective.end(), "CAP_KILL"), effective.end());
}

TEST_F(IntegrationTest, ExecWithAnUnknownCapabilityWarnsAndRuns) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"/bin/sleep", "60"};
    bundle.write();
    ASSERT_EQ(run_berth("run", "--detach", "--bundle", bundle.path(), last_id()).exit_code, 0);
    auto exec = run_berth("exec", "--cap", "CAP_FOO", last_id(), "/bin/sh", "-c", "exit 3");
    EXPECT_EQ(exec.exit_code, 3) << exec.describe();
    EXPECT_NE(exec.err.find("ignoring unknown or unavailable capabilities: [CAP_FOO]"), std::string::npos)
        << exec.describe();
    EXPECT_EQ(run_berth("delete", "--force", last_id()).exit_code, 0);
}

// An ambient cap outside the inheritable set cannot be raised: runc 1.2+
// warns for each and runs the container.
TEST_F(IntegrationTest, AmbientCapabilitiesThatCannotBeRaisedWarn) {
    auto bundle = make_bundle();
    bundle.spec.process->capabilities->inheritable = std::vector<std::string>{"CAP_KILL"};
    bundle.spec.process->capabilities->ambient = std::vector<std::string>{"CAP_KILL", "CAP_AUDIT_WRITE"};
    bundle.write();
    auto run = run_berth("run", "--bundle", bundle.path(), last_id());
    ASSERT_EQ(run.exit_code, 0) << run.describe();
    EXPECT_NE(run.err.find("can't raise ambient capability CAP_AUDIT_WRITE: operation not permitted"),
              std::string::npos)
        << run.describe();
    EXPECT_EQ(ProbeReport::parse(run.out).capabilities("ambient"), (std::vector<std::string>{"CAP_KILL"}));
}

int count_of(const std::vector<std::string>& env, const std::string& name) {
    return static_cast<int>(
        std::count_if(env.begin(), env.end(), [&](const std::string& e) { return e.starts_with(name + "="); }));
}

// runc keeps one entry per name, the last; an empty HOME comes from passwd.
TEST_F(IntegrationTest, RepeatedEnvironmentNamesKeepTheLastAndAnEmptyHomeIsFilledIn) {
    auto bundle = make_bundle();
    auto& env = bundle.spec.process->env;
    env.erase(std::remove_if(env.begin(), env.end(), [](const std::string& e) { return e.starts_with("HOME="); }),
              env.end());
    env.insert(env.end(), {"FOO=1", "HOME=", "FOO=2"});
    auto report = run_probe(bundle);
    EXPECT_EQ(report.env_value("FOO"), "2");
    EXPECT_EQ(count_of(report.env(), "FOO"), 1);
    EXPECT_EQ(report.env_value("HOME"), "/root");
    EXPECT_EQ(count_of(report.env(), "HOME"), 1);
}

TEST_F(IntegrationTest, ExecEnvOverridesTheConfigsValue) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"/bin/sleep", "60"};
    bundle.spec.process->env.push_back("FOO=config");
    bundle.write();
    ASSERT_EQ(run_berth("run", "--detach", "--bundle", bundle.path(), last_id()).exit_code, 0);
    auto exec = run_berth("exec", "-e", "FOO=exec", last_id(), kProbePath);
    ASSERT_EQ(exec.exit_code, 0) << exec.describe();
    auto report = ProbeReport::parse(exec.out);
    EXPECT_EQ(report.env_value("FOO"), "exec");
    EXPECT_EQ(count_of(report.env(), "FOO"), 1);
    EXPECT_EQ(run_berth("delete", "--force", last_id()).exit_code, 0);
}

// Distroless images link /etc/passwd elsewhere in the image.
TEST_F(IntegrationTest, HomeComesFromASymlinkedPasswd) {
    auto bundle = make_bundle();
    fs::create_directories(bundle.rootfs() + "/usr/lib");
    fs::rename(bundle.rootfs() + "/etc/passwd", bundle.rootfs() + "/usr/lib/passwd");
    fs::create_symlink("../usr/lib/passwd", bundle.rootfs() + "/etc/passwd");
    bundle.spec.process->user.uid = 1000;
    bundle.spec.process->user.gid = 1000;
    auto& env = bundle.spec.process->env;
    env.erase(std::remove_if(env.begin(), env.end(), [](const std::string& e) { return e.starts_with("HOME="); }),
              env.end());
    EXPECT_EQ(run_probe(bundle).env_value("HOME"), "/home/berth");
}

// runc and crun run the hooks they run themselves in their own environment
// when the hook has no `env`; runc's in-container hooks see none.
TEST_F(IntegrationTest, HooksWithoutEnvGetTheRuntimesEnvironment) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"true"};
    const std::string log = dir() + "/hooks.log";
    const std::string script = dir() + "/hook.sh";
    std::ofstream(script) << "#!/bin/sh\necho \"$1 [$BERTH_HOOK_MARK]\" >> " << log << "\n";
    fs::permissions(script, fs::perms::owner_all);
    auto hook = [&](const std::string& kind) {
        oci::Hook h;
        h.path = script;
        h.args = {"hook.sh", kind};
        return std::vector<oci::Hook>{h};
    };
    oci::Hooks hooks;
    hooks.prestart = hook("prestart");
    hooks.createRuntime = hook("createRuntime");
    hooks.createContainer = hook("createContainer");  // before pivot_root: the host path still resolves
    hooks.poststart = hook("poststart");
    hooks.poststop = hook("poststop");
    bundle.spec.hooks = hooks;
    bundle.write();
    RunOptions marked;
    marked.extra_env = {"BERTH_HOOK_MARK=from-the-runtime"};
    ASSERT_EQ(run_berth_argv({"create", "--bundle", bundle.path(), last_id()}, marked).exit_code, 0);
    ASSERT_EQ(run_berth_argv({"start", last_id()}, marked).exit_code, 0);
    wait_for_status(last_id(), "stopped");
    ASSERT_EQ(run_berth_argv({"delete", last_id()}, marked).exit_code, 0);
    EXPECT_EQ(read_file(log),
              "prestart [from-the-runtime]\n"
              "createRuntime [from-the-runtime]\n"
              "createContainer []\n"
              "poststart [from-the-runtime]\n"
              "poststop [from-the-runtime]\n");
}

// runc: kernel.hostname "conflicts with the OCI hostname field"; crun also
// refuses a kernel.domainname other than the domainname field.
TEST_F(IntegrationTest, SysctlsThatFightTheHostnameAndDomainnameFieldsAreRefused) {
    auto bundle = make_bundle();
    bundle.spec.hostname = "box";
    bundle.spec.linux->sysctl = {{"kernel.hostname", "sysctl-box"}};
    bundle.write();
    auto run = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_NE(run.exit_code, 0);
    // The log escapes the quotes: match around them.
    EXPECT_NE(run.err.find(R"(kernel.hostname\" is not allowed as it conflicts with the OCI \"hostname\" field)"),
              std::string::npos)
        << run.describe();
    if (runtime_is_berth()) {
        EXPECT_NE(run_berth("check", "--bundle", bundle.path()).exit_code, 0);
    }

    auto other = make_bundle();
    other.spec.domainname = "example.org";
    other.spec.linux->sysctl = {{"kernel.domainname", "example.com"}};
    other.write();
    if (runtime_is_berth()) {
        auto refused = run_berth("run", "--bundle", other.path(), last_id());
        EXPECT_NE(refused.exit_code, 0);
        EXPECT_NE(refused.err.find(R"(conflicts with the OCI \"domainname\" field)"), std::string::npos)
            << refused.describe();
    }
    // The same value, or no field: nothing to fight, the sysctl is written.
    other.spec.domainname.reset();
    EXPECT_EQ(run_probe(other).domainname(), "example.com");
}

// An init frozen by an ancestor cgroup (v1 freezer) berth did not make:
// SIGKILL cannot end it, and `delete --force` gives up after about 10 s with
// runc's error instead of hanging; the container stays for another try.
TEST_F(IntegrationTest, ForcedDeleteOfAnInitFrozenByAnAncestorGivesUp) {
    const std::string parent_freezer = "/sys/fs/cgroup/freezer" + cgroup_parent() + "/freezer.state";
    auto bundle = make_bundle();
    bundle.spec.process->args = {"/bin/sleep", "600"};
    bundle.write();
    ASSERT_EQ(run_berth("run", "--detach", "--bundle", bundle.path(), last_id()).exit_code, 0);
    if (!fs::exists(parent_freezer)) {
        run_berth("delete", "--force", last_id());
        GTEST_SKIP() << "no v1 freezer for " << cgroup_parent();
    }
    std::ofstream(parent_freezer) << "FROZEN";
    RunOptions bounded;
    bounded.timeout = std::chrono::seconds(40);
    auto stuck = run_berth_argv({"delete", "--force", last_id()}, bounded);
    std::ofstream(parent_freezer) << "THAWED";
    EXPECT_FALSE(stuck.timed_out) << stuck.describe();
    EXPECT_NE(stuck.exit_code, 0) << stuck.describe();
    EXPECT_NE(stuck.err.find("container init still running"), std::string::npos) << stuck.describe();
    auto deleted = run_berth("delete", "--force", last_id());
    EXPECT_EQ(deleted.exit_code, 0) << deleted.describe();
}

// An executable execve cannot run (its interpreter is missing): runc 1.3
// says `exec /bin/x: no such file or directory`, in Go's lower case.
TEST_F(IntegrationTest, AnExecveFailureIsWordedAsRuncWordsIt) {
    auto bundle = make_bundle();
    std::ofstream(bundle.rootfs() + "/bin/orphan") << "#!/no/such/interpreter\n";
    fs::permissions(bundle.rootfs() + "/bin/orphan", fs::perms::owner_all);
    bundle.spec.process->args = {"/bin/orphan"};
    bundle.spec.process->terminal = false;
    bundle.write();
    auto run = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_NE(run.exit_code, 0);
    EXPECT_NE(run.err.find("exec /bin/orphan: no such file or directory"), std::string::npos) << run.describe();

    auto sleeper = make_bundle();
    sleeper.spec.process->args = {"/bin/sleep", "60"};
    sleeper.write();
    ASSERT_EQ(run_berth("run", "--detach", "--bundle", sleeper.path(), last_id()).exit_code, 0);
    std::ofstream(sleeper.rootfs() + "/bin/orphan") << "#!/no/such/interpreter\n";
    fs::permissions(sleeper.rootfs() + "/bin/orphan", fs::perms::owner_all);
    auto exec = run_berth("exec", last_id(), "/bin/orphan");
    EXPECT_EQ(exec.exit_code, 255) << exec.describe();
    EXPECT_NE(exec.err.find("exec /bin/orphan: no such file or directory"), std::string::npos) << exec.describe();
    EXPECT_EQ(run_berth("delete", "--force", last_id()).exit_code, 0);
}

// runc 1.3: a --root that does not exist is an error for `list` (only the
// default root may be missing: nothing was created yet).
TEST_F(IntegrationTest, ListOfAMissingRootFails) {
    auto missing = run_command({runtime(), "--root", dir() + "/no-such-root", "list"}, dir() + "/list");
    EXPECT_EQ(missing.exit_code, 1) << missing.describe();
    EXPECT_NE(missing.err.find("no-such-root"), std::string::npos) << missing.describe();
    fs::create_directories(state_root());
    EXPECT_EQ(run_berth("list").exit_code, 0);
}

// runc's fd-leak test: while `created`, the init holds nothing of what
// berth's caller left open (here fd 251, as a shell or test runner leaves it).
TEST_F(IntegrationTest, TheCreatedInitHoldsNoFdOfBerthsCaller) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"true"};
    bundle.write();
    const std::string leaked = dir() + "/callers-file";
    auto created = run_command({"bash", "-c", "exec 251>>\"$0\" 9>>\"$0\"; exec \"$@\"", leaked, runtime(), "--root",
                                state_root(), "create", "--bundle", bundle.path(), last_id()},
                               dir() + "/create");
    ASSERT_EQ(created.exit_code, 0) << created.describe();
    const int pid = state_of(last_id()).pid;
    for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
        std::error_code ec;
        EXPECT_NE(fs::read_symlink(entry.path(), ec), leaked) << entry.path();
    }
    EXPECT_EQ(run_berth("delete", "--force", last_id()).exit_code, 0);
}

// A masked path listed twice is one mount, not two stacked ones.
TEST_F(IntegrationTest, ARepeatedMaskedPathIsMountedOnce) {
    auto bundle = make_bundle();
    bundle.spec.linux->maskedPaths = {"/proc/keys", "/proc/timer_list", "/proc//keys"};
    auto mounts = run_probe(bundle).mounts();
    EXPECT_EQ(std::count_if(mounts.begin(), mounts.end(),
                            [](const ProbeMount& m) { return m.mount_point == "/proc/keys"; }),
              1);
}

// SCHED_DEADLINE in a cpuset narrower than the machine: the kernel says
// EPERM, runc says why.
TEST_F(IntegrationTest, ADeadlineSchedulerInACpusetSaysWhyItFails) {
    if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs a cpuset narrower than the machine";
    auto bundle = make_bundle();
    oci::Scheduler deadline;
    deadline.policy = "SCHED_DEADLINE";
    deadline.runtime = 10000000;
    deadline.deadline = 20000000;
    deadline.period = 20000000;
    bundle.spec.process->scheduler = deadline;
    if (!bundle.spec.linux->resources) bundle.spec.linux->resources = oci::Resources{};
    if (!bundle.spec.linux->resources->cpu) bundle.spec.linux->resources->cpu = oci::CPU{};
    bundle.spec.linux->resources->cpu->cpus = "0";
    bundle.write();
    auto run = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_NE(run.exit_code, 0);
    EXPECT_NE(run.err.find("process scheduler can't be used together with AllowedCPUs"), std::string::npos)
        << run.describe();
}

}  // namespace
}  // namespace berth::test
