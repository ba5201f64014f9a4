// Seccomp compilation: real Docker/podman profiles, every error names its JSON
// path, and the compiled programs behave as configured when loaded (in a
// forked child with no_new_privs, so no root is needed).
#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "berth/linux/seccomp.hpp"
#include "oci/parser.hpp"

namespace bl = berth::linux_setup;

namespace {

oci::Seccomp profile_of(const std::string& config) {
    auto spec = oci::load_config(std::string(BERTH_TEST_DATA) + "/configs/" + config);
    EXPECT_TRUE(spec) << spec.error().what();
    EXPECT_TRUE(spec->linux && spec->linux->seccomp);
    return *spec->linux->seccomp;
}

oci::Seccomp allow_all_but(oci::SeccompSyscall call) {
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    s.listenerPath = "/run/berth-test-agent.sock";  // needed by SCMP_ACT_NOTIFY rules only
    s.syscalls.push_back(std::move(call));
    return s;
}

std::string compile_error(const oci::Seccomp& s) {
    auto prog = bl::compile_seccomp(s);
    return prog ? std::string("compiled") : prog.error().what();
}

// Runs `body` in a forked child after loading `prog`; returns its exit code.
template <class F>
int in_filtered_child(const bl::SeccompProgram& prog, F body) {
    const pid_t pid = fork();
    if (pid == 0) {
        berth::ChildError err;
        int notify = -1;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || !bl::load_seccomp(prog, &notify, err)) _exit(100);
        _exit(body());
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST(SeccompCompile, DockerDefaultProfile) {
    auto prog = bl::compile_seccomp(profile_of("docker-largest.json"));
    ASSERT_TRUE(prog) << prog.error().what();
    EXPECT_GT(prog->filter.size(), 100u);
    EXPECT_FALSE(prog->notify);
    EXPECT_EQ(prog->flags, SECCOMP_FILTER_FLAG_SPEC_ALLOW);  // the profile names no flags: runc 1.2+'s default
    // Docker's profile must let an ordinary program run: getpid allowed, and
    // a syscall it does not list (kexec_load) fails with EPERM, not a kill.
    EXPECT_EQ(in_filtered_child(*prog, [] {
                  if (getpid() <= 0) return 1;
                  errno = 0;
                  if (syscall(SYS_kexec_load, 0, 0, nullptr, 0) != -1 || errno != EPERM) return 2;
                  return 0;
              }),
              0);
}

TEST(SeccompCompile, PodmanDefaultProfileUsesDefaultErrnoRet) {
    auto prog = bl::compile_seccomp(profile_of("podman-largest.json"));
    ASSERT_TRUE(prog) << prog.error().what();
    EXPECT_GT(prog->filter.size(), 100u);
    // errnoRet 1 where the profile says so, defaultErrnoRet 38 (ENOSYS) for
    // syscalls it does not list (io_uring_setup).
    EXPECT_EQ(in_filtered_child(*prog, [] {
                  errno = 0;
                  if (syscall(SYS_kexec_load, 0, 0, nullptr, 0) != -1 || errno != EPERM) return 1;
                  errno = 0;
                  if (syscall(SYS_io_uring_setup, 0, nullptr) != -1 || errno != ENOSYS) return 2;
                  return 0;
              }),
              0);
}

TEST(SeccompCompile, ErrnoRetAndMaskedEqOperandOrder) {
    // dup(fd) fails with errno 7 when (fd & 0xff00) == 0x100.
    oci::SeccompSyscall call;
    call.names = {"dup"};
    call.action = "SCMP_ACT_ERRNO";
    call.errnoRet = 7;
    call.args = {oci::SeccompArg{0, 0xff00, 0x100, "SCMP_CMP_MASKED_EQ"}};
    auto prog = bl::compile_seccomp(allow_all_but(call));
    ASSERT_TRUE(prog) << prog.error().what();
    EXPECT_EQ(in_filtered_child(*prog, [] {
                  errno = 0;
                  if (dup(0x1ff) != -1 || errno != 7) return 1;  // matched: errnoRet
                  errno = 0;
                  if (dup(0x2ff) != -1 || errno != EBADF) return 2;  // not matched: the real dup
                  return 0;
              }),
              0);
}

TEST(SeccompCompile, SameArgumentTwiceIsOr) {
    // Two conditions on arg 0 become two rules (runc's semantics): both values match.
    oci::SeccompSyscall call;
    call.names = {"dup"};
    call.action = "SCMP_ACT_ERRNO";
    call.errnoRet = 9;
    call.args = {oci::SeccompArg{0, 500, 0, "SCMP_CMP_EQ"}, oci::SeccompArg{0, 501, 0, "SCMP_CMP_EQ"}};
    auto prog = bl::compile_seccomp(allow_all_but(call));
    ASSERT_TRUE(prog) << prog.error().what();
    EXPECT_EQ(in_filtered_child(*prog, [] {
                  errno = 0;
                  if (dup(500) != -1 || errno != 9) return 1;
                  errno = 0;
                  if (dup(501) != -1 || errno != 9) return 2;
                  errno = 0;
                  if (dup(502) != -1 || errno != EBADF) return 3;
                  return 0;
              }),
              0);
}

TEST(SeccompCompile, KillProcessKills) {
    oci::SeccompSyscall call;
    call.names = {"getppid"};
    call.action = "SCMP_ACT_KILL_PROCESS";
    auto prog = bl::compile_seccomp(allow_all_but(call));
    ASSERT_TRUE(prog);
    EXPECT_EQ(in_filtered_child(*prog, [] { return getppid() > 0 ? 0 : 1; }), 128 + SIGSYS);
}

TEST(SeccompCompile, EveryActionAndOperatorCompiles) {
    for (std::string_view action : bl::seccomp_known_actions()) {
        for (std::string_view op : bl::seccomp_known_operators()) {
            oci::SeccompSyscall call;
            call.names = {"mkdirat"};
            call.action = std::string(action);
            call.args = {oci::SeccompArg{1, 3, 1, std::string(op)}};
            oci::Seccomp s = allow_all_but(call);
            s.defaultAction = "SCMP_ACT_ERRNO";
            auto prog = bl::compile_seccomp(s);
            EXPECT_TRUE(prog) << action << " " << op << ": " << (prog ? "" : prog.error().what());
            if (prog) {
                EXPECT_EQ(prog->notify, action == "SCMP_ACT_NOTIFY") << action;
            }
        }
    }
}

TEST(SeccompCompile, NotifyAddsNewListenerFlag) {
    oci::SeccompSyscall call;
    call.names = {"mkdir", "mkdirat"};
    call.action = "SCMP_ACT_NOTIFY";
    oci::Seccomp s = allow_all_but(call);
    s.flags = std::vector<std::string>{"SECCOMP_FILTER_FLAG_TSYNC"};
    auto prog = bl::compile_seccomp(s);
    ASSERT_TRUE(prog) << prog.error().what();
    EXPECT_TRUE(prog->notify);
    EXPECT_EQ(prog->flags, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC_ESRCH);
}

TEST(SeccompCompile, FlagsMapToKernelBits) {
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    s.flags = std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
    auto prog = bl::compile_seccomp(s);
    ASSERT_TRUE(prog) << prog.error().what();
    EXPECT_EQ(prog->flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
}

// runc 1.2+: a config without flags (or with null) gets SPEC_ALLOW, which
// this kernel takes; an empty list is no flags at all, as Go tells nil from [].
TEST(SeccompCompile, NoFlagsMeansSpecAllowAndAnEmptyListNothing) {
    const std::pair<const char*, unsigned int> cases[] = {
        {"", SECCOMP_FILTER_FLAG_SPEC_ALLOW}, {R"(,"flags":null)", SECCOMP_FILTER_FLAG_SPEC_ALLOW}, {R"(,"flags":[])", 0}};
    for (const auto& [flags, expected] : cases) {
        const std::string config =
            std::string(R"({"ociVersion":"1.3.0","linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW")") + flags + "}}}";
        auto spec = oci::parse_config(config);
        ASSERT_TRUE(spec.ok()) << spec.error().what();
        auto prog = bl::compile_seccomp(*spec->linux->seccomp);
        ASSERT_TRUE(prog) << prog.error().what();
        EXPECT_EQ(prog->flags, expected) << config;
    }
}

TEST(SeccompCompile, UnknownSyscallIsSkipped) {
    oci::SeccompSyscall call;
    call.names = {"no_such_syscall_berth", "getcwd"};
    call.action = "SCMP_ACT_ERRNO";
    EXPECT_EQ(compile_error(allow_all_but(call)), "compiled");
}

TEST(SeccompCompile, UnknownActionNamesItsPath) {
    oci::Seccomp s = profile_of("docker-largest.json");
    s.syscalls.at(3).action = "SCMP_ACT_FOO";
    EXPECT_EQ(compile_error(s), "config.json: linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\"");
    s = profile_of("docker-largest.json");
    s.defaultAction = "SCMP_ACT_BAR";
    EXPECT_EQ(compile_error(s), "config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_BAR\"");
}

TEST(SeccompCompile, UnknownOperatorNamesItsPath) {
    oci::SeccompSyscall call;
    call.names = {"dup"};
    call.action = "SCMP_ACT_ERRNO";
    call.args = {oci::SeccompArg{0, 1, 0, "SCMP_CMP_EQ"}, oci::SeccompArg{1, 1, 0, "SCMP_CMP_ALMOST"}};
    EXPECT_EQ(compile_error(allow_all_but(call)),
              "config.json: linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_ALMOST\"");
    call.args = {oci::SeccompArg{6, 1, 0, "SCMP_CMP_EQ"}};
    EXPECT_EQ(compile_error(allow_all_but(call)), "config.json: linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0-5)");
}

TEST(SeccompCompile, UnknownArchitectureAndFlagNameTheirPath) {
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"};
    EXPECT_EQ(compile_error(s), "config.json: linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\"");
    s.architectures = {};
    s.flags = std::vector<std::string>{"SECCOMP_FILTER_FLAG_NOPE"};
    EXPECT_EQ(compile_error(s), "config.json: linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NOPE\"");
}

TEST(SeccompCompile, ErrnoRetOnlyWithErrnoOrTrace) {
    oci::SeccompSyscall call;
    call.names = {"dup"};
    call.action = "SCMP_ACT_KILL";
    call.errnoRet = 5;
    oci::Seccomp s = allow_all_but(call);
    EXPECT_EQ(compile_error(s),
              "config.json: linux.seccomp.syscalls[0].action: errnoRet is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not "
              "SCMP_ACT_KILL");
    s.syscalls[0].action = "SCMP_ACT_TRACE";
    EXPECT_EQ(compile_error(s), "compiled");
}

TEST(SeccompCompile, NotifyRefusedWhereItWouldDeadlock) {
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_NOTIFY";
    EXPECT_EQ(compile_error(s), "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
    oci::SeccompSyscall call;
    call.names = {"mkdir", "write"};
    call.action = "SCMP_ACT_NOTIFY";
    EXPECT_EQ(compile_error(allow_all_but(call)),
              "config.json: linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for the write syscall (berth needs it "
              "to pass the notify fd on)");
}

TEST(SeccompCompile, NotifyNeedsAListener) {
    oci::SeccompSyscall call;
    call.names = {"mkdir"};
    call.action = "SCMP_ACT_NOTIFY";
    oci::Seccomp s = allow_all_but(call);
    s.listenerPath = "";
    EXPECT_EQ(compile_error(s), "config.json: linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
    s.listenerPath.reset();
    EXPECT_EQ(compile_error(s), "config.json: linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
    // A listener without notify rules is fine (runc's "empty listener path" case).
    s.syscalls[0].action = "SCMP_ACT_ERRNO";
    s.listenerPath = "/run/agent.sock";
    EXPECT_EQ(compile_error(s), "compiled");
}

TEST(SeccompFeatures, SupportedFlagsAreKnownFlags) {
    const auto known = bl::seccomp_known_flags();
    for (std::string_view flag : bl::seccomp_supported_flags())
        EXPECT_NE(std::find(known.begin(), known.end(), flag), known.end()) << flag;
    EXPECT_EQ(bl::seccomp_known_actions().size(), 9u);
    EXPECT_EQ(bl::seccomp_known_operators().size(), 7u);
}

TEST(SeccompCompile, WaitKillableRecvOnlyWithAListener) {
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    s.flags = std::vector<std::string>{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    const auto supported = bl::seccomp_supported_flags();
    if (std::find(supported.begin(), supported.end(), "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == supported.end())
        GTEST_SKIP() << "kernel older than 5.19";
    auto plain = bl::compile_seccomp(s);
    ASSERT_TRUE(plain) << plain.error().what();
    EXPECT_EQ(plain->flags, 0u);
    s.syscalls.push_back(oci::SeccompSyscall{{"mkdir"}, "SCMP_ACT_NOTIFY", std::nullopt, {}});
    s.listenerPath = "/run/berth-test-agent.sock";
    auto notify = bl::compile_seccomp(s);
    ASSERT_TRUE(notify) << notify.error().what();
    EXPECT_EQ(notify->flags, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG_NEW_LISTENER);
}

// runc's -ENOSYS handling: a syscall newer than every syscall the profile
// names gets ENOSYS; an older one it does not name gets the default action.
TEST(SeccompCompile, SyscallsNewerThanTheProfileGetEnosys) {
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ERRNO";
    s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    s.syscalls.push_back(oci::SeccompSyscall{
        {"exit", "exit_group", "getpid", "write", "rt_sigreturn", "openat"}, "SCMP_ACT_ALLOW", std::nullopt, {}});
    auto prog = bl::compile_seccomp(s);
    ASSERT_TRUE(prog) << prog.error().what();
    EXPECT_EQ(in_filtered_child(*prog, [] {
                  if (getpid() <= 0) return 1;
                  errno = 0;
                  if (syscall(1000, 0, 0, 0) != -1 || errno != ENOSYS) return 2;  // beyond openat (257)
                  errno = 0;
                  if (syscall(SYS_kexec_load, 0, 0, nullptr, 0) != -1 || errno != EPERM) return 3;  // 246: denied
                  errno = 0;
                  if (syscall(0x40000000 | 1000, 0) != -1 || errno != ENOSYS) return 4;  // x32, beyond its openat
                  return 0;
              }),
              0);
    // With ENOSYS as the default answer, or an allowing default, no stub is needed.
    const size_t with_stub = prog->filter.size();
    s.defaultErrnoRet = ENOSYS;
    auto enosys = bl::compile_seccomp(s);
    ASSERT_TRUE(enosys);
    EXPECT_LT(enosys->filter.size(), with_stub);
}
