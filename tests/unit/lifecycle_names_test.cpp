// Container ids, signal names, passwd/group parsing, CPU lists, sysctl
// namespaces: the pure pieces of the lifecycle.
#include <gtest/gtest.h>
#include <signal.h>

#include "berth/container/id.hpp"
#include "berth/linux/namespaces.hpp"
#include "berth/process/attributes.hpp"
#include "berth/process/passwd.hpp"
#include "berth/process/plan.hpp"
#include "berth/process/signals.hpp"

namespace {

using berth::container::validate_id;

TEST(ContainerId, AcceptsRuncCharacters) {
    EXPECT_TRUE(validate_id("abc"));
    EXPECT_TRUE(validate_id("a.b-c_d+e,f"));
    EXPECT_TRUE(validate_id("...x"));
    EXPECT_TRUE(validate_id(std::string(255, 'a')));
}

TEST(ContainerId, RejectsPathsAndOddCharacters) {
    for (const char* bad : {"", ".", "..", "a/b", "/a", "a b", "a\nb", "a\x01", "ü", "a:b"}) {
        auto r = validate_id(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().what(), "invalid container ID format");
    }
    EXPECT_FALSE(validate_id(std::string(256, 'a')));
}

TEST(Signals, NamesNumbersAndPrefixes) {
    using berth::process::parse_signal;
    EXPECT_EQ(*parse_signal("KILL"), SIGKILL);
    EXPECT_EQ(*parse_signal("SIGKILL"), SIGKILL);
    EXPECT_EQ(*parse_signal("sigterm"), SIGTERM);
    EXPECT_EQ(*parse_signal("9"), 9);
    EXPECT_EQ(*parse_signal("HUP"), SIGHUP);
    EXPECT_EQ(*parse_signal("RTMIN+2"), SIGRTMIN + 2);
    EXPECT_EQ(*parse_signal("SIGRTMAX"), SIGRTMAX);
}

TEST(Signals, UnknownIsRuncsError) {
    using berth::process::parse_signal;
    auto r = parse_signal("FOO");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().what(), "unknown signal \"FOO\"");
    EXPECT_EQ(*parse_signal("0"), 0);  // runc accepts it: kill -a ID 0 probes
    EXPECT_FALSE(parse_signal("200"));
    EXPECT_FALSE(parse_signal("RTMAX+1"));
    EXPECT_FALSE(parse_signal(""));
}

constexpr std::string_view kPasswd =
    "# comment\n"
    "root:x:0:0:root:/root:/bin/sh\n"
    "broken line\n"
    "bad:x:notanumber:1::/bad:/bin/sh\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "nohome:x:1000:1000::";

TEST(Passwd, FindsByUidAndName) {
    using namespace berth::process;
    auto daemon = find_user_by_uid(kPasswd, 1);
    ASSERT_TRUE(daemon);
    EXPECT_EQ(daemon->name, "daemon");
    EXPECT_EQ(daemon->home, "/usr/sbin");
    EXPECT_EQ(daemon->gid, 1u);
    auto root = find_user_by_name(kPasswd, "root");
    ASSERT_TRUE(root);
    EXPECT_EQ(root->uid, 0u);
    EXPECT_FALSE(find_user_by_uid(kPasswd, 4242));
    EXPECT_FALSE(find_user_by_name(kPasswd, "bad"));  // malformed uid: skipped
}

TEST(Passwd, LastLineWithoutNewlineAndEmptyFields) {
    auto entry = berth::process::find_user_by_uid(kPasswd, 1000);
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->home, "");
}

TEST(Group, MembersAndNames) {
    using namespace berth::process;
    constexpr std::string_view group = "root:x:0:\nwheel:x:10:alice,bob\naudio:x:29:bob\nvideo:x:44:alice\n";
    auto wheel = find_group_by_name(group, "wheel");
    ASSERT_TRUE(wheel);
    EXPECT_EQ(wheel->gid, 10u);
    std::vector<uint32_t> gids;
    for_each_group_of(group, "bob", [&](uint32_t gid) {
        gids.push_back(gid);
        return true;
    });
    EXPECT_EQ(gids, (std::vector<uint32_t>{10, 29}));
    EXPECT_FALSE(lists_member("alice,bobby", "bob"));
}

TEST(CpuList, RangesAndErrors) {
    auto set = berth::process::parse_cpu_list("0-2,5", "x");
    ASSERT_TRUE(set);
    EXPECT_EQ(CPU_COUNT(&*set), 4);
    EXPECT_TRUE(CPU_ISSET(5, &*set));
    EXPECT_FALSE(CPU_ISSET(3, &*set));
    for (const char* bad : {"", "a", "3-1", "1-", "1,,2"}) EXPECT_FALSE(berth::process::parse_cpu_list(bad, "x")) << bad;
}

// execCPUAffinity is an exec'd process's (runtime-spec: not the init); without
// one a process is reset to every CPU of its cpuset; an initial one alone stays.
TEST(CpuAffinity, ExecOnlyAndTheResetRule) {
    using berth::process::ProcessRole;
    oci::Process process;
    EXPECT_TRUE(berth::process::plan_attributes(process, nullptr, ProcessRole::exec)->reset_cpus);
    process.execCPUAffinity = oci::ExecCPUAffinity{.initial = "1", .final = std::nullopt};
    auto init = berth::process::plan_attributes(process, nullptr, ProcessRole::init);
    ASSERT_TRUE(init);
    EXPECT_FALSE(init->has_initial_cpus);
    EXPECT_TRUE(init->reset_cpus);
    auto exec = berth::process::plan_attributes(process, nullptr, ProcessRole::exec);
    ASSERT_TRUE(exec);
    EXPECT_TRUE(exec->has_initial_cpus);
    EXPECT_FALSE(exec->reset_cpus);
    EXPECT_EQ(berth::process::initial_affinity_mask(*exec), "0x2");  // as runc's nsexec logs it
    process.execCPUAffinity->initial = "0-1,3";
    EXPECT_EQ(berth::process::initial_affinity_mask(*berth::process::plan_attributes(process, nullptr, ProcessRole::exec)),
              "0xb");
    process.execCPUAffinity = oci::ExecCPUAffinity{.initial = std::nullopt, .final = "0"};
    exec = berth::process::plan_attributes(process, nullptr, ProcessRole::exec);
    EXPECT_TRUE(exec->has_final_cpus);
    EXPECT_FALSE(exec->reset_cpus);
}

TEST(Rlimits, NamesMapAndUnknownIsAnError) {
    EXPECT_EQ(berth::process::rlimit_resource("RLIMIT_NOFILE"), RLIMIT_NOFILE);
    EXPECT_FALSE(berth::process::rlimit_resource("RLIMIT_FOO"));
    oci::Process process;
    process.rlimits.push_back({"RLIMIT_FOO", 1, 1});
    auto r = berth::process::plan_attributes(process, nullptr, berth::process::ProcessRole::exec);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().what(), "config.json: process.rlimits[0].type: unknown value \"RLIMIT_FOO\"");
}

oci::Linux with_namespaces(std::initializer_list<oci::NamespaceType> types) {
    oci::Linux linux;
    for (auto t : types) linux.namespaces.push_back({t, std::nullopt});
    return linux;
}

TEST(Sysctl, NeedsTheOwningNamespace) {
    using T = oci::NamespaceType;
    auto plan = berth::linux_setup::plan_namespaces(with_namespaces({T::mount, T::network}));
    ASSERT_TRUE(plan);
    auto net = berth::process::plan_sysctl("net.ipv4.ip_forward", "1", *plan);
    ASSERT_TRUE(net);
    EXPECT_EQ(net->path, "sys/net/ipv4/ip_forward");
    auto shm = berth::process::plan_sysctl("kernel.shmmax", "1", *plan);
    ASSERT_FALSE(shm);
    EXPECT_EQ(shm.error().what(), "sysctl \"kernel.shmmax\" is not in a separate kernel namespace");
    EXPECT_FALSE(berth::process::plan_sysctl("vm.swappiness", "1", *plan));
}

// The network namespace is the costly one: the child unshares it while the
// parent makes the cgroups, unless a new user namespace must own it (clone3
// makes both) or the parent moves linux.netDevices into it before `go`.
TEST(Namespaces, ANewNetworkNamespaceIsUnsharedByTheChildUnlessUserOrNetDevices) {
    using T = oci::NamespaceType;
    auto alone = berth::linux_setup::plan_namespaces(with_namespaces({T::pid, T::network}));
    ASSERT_TRUE(alone);
    EXPECT_TRUE(alone->new_net_by_child);
    EXPECT_EQ(alone->clone_flags, static_cast<unsigned long>(CLONE_NEWPID));

    oci::Linux with_user = with_namespaces({T::pid, T::network, T::user});
    with_user.uidMappings = {{0, 1000, 1}};
    with_user.gidMappings = {{0, 1000, 1}};
    auto user = berth::linux_setup::plan_namespaces(with_user);
    ASSERT_TRUE(user) << user.error().what();
    EXPECT_FALSE(user->new_net_by_child);
    EXPECT_NE(user->clone_flags & CLONE_NEWNET, 0UL);

    oci::Linux with_devices = with_namespaces({T::pid, T::network});
    with_devices.netDevices["eth9"] = {};
    auto devices = berth::linux_setup::plan_namespaces(with_devices);
    ASSERT_TRUE(devices);
    EXPECT_FALSE(devices->new_net_by_child);
    EXPECT_NE(devices->clone_flags & CLONE_NEWNET, 0UL);
}

TEST(Namespaces, NewOnesBecomeCloneFlagsExceptTime) {
    using T = oci::NamespaceType;
    auto plan = berth::linux_setup::plan_namespaces(with_namespaces({T::pid, T::mount, T::uts, T::time}));
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->clone_flags, static_cast<unsigned long>(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS));
    EXPECT_TRUE(plan->new_time);
    EXPECT_TRUE(plan->has(T::uts));
    EXPECT_FALSE(plan->has(T::network));
}

TEST(Namespaces, TimeOffsetsNeedANewTimeNamespace) {
    using T = oci::NamespaceType;
    auto linux = with_namespaces({T::mount});
    linux.timeOffsets["monotonic"] = {5, 0};
    EXPECT_FALSE(berth::linux_setup::plan_namespaces(linux));
    linux.namespaces.push_back({T::time, std::nullopt});
    auto plan = berth::linux_setup::plan_namespaces(linux);
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->time_offsets, "monotonic 5 0\n");
}

}  // namespace

TEST(ProcessPlan, WindowsFieldsAreNamedForRefusal) {
    oci::Process p;
    EXPECT_TRUE(berth::process::windows_fields(p).empty());
    p.commandLine = "cmd.exe /c dir";
    p.user.username = "ContainerUser";
    auto fields = berth::process::windows_fields(p);
    ASSERT_EQ(fields.size(), 2u);
    EXPECT_EQ(fields[0].path, "process.commandLine");
    EXPECT_EQ(fields[1].path, "process.user.username");
}

// runc's checkTerminal, which create, exec and restore share: every combination.
TEST(ProcessPlan, ConsoleSocketAsRuncChecksIt) {
    const std::string no_socket = "cannot allocate tty if runc will detach without setting console socket";
    const std::string stray_socket = "cannot use console socket if runc will not detach or allocate tty";
    struct Case {
        bool terminal, detached, socket;
        std::string error;  // "" when allowed
    };
    const Case cases[] = {
        {true, true, true, ""},           {true, true, false, no_socket},
        {true, false, true, stray_socket}, {true, false, false, ""},
        {false, true, true, stray_socket}, {false, true, false, ""},
        {false, false, true, stray_socket}, {false, false, false, ""},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(::testing::Message() << "terminal " << c.terminal << " detached " << c.detached << " socket " << c.socket);
        auto checked = berth::process::check_console_socket(c.terminal, c.detached, c.socket);
        if (c.error.empty()) {
            EXPECT_TRUE(checked.ok()) << checked.error().what();
        } else {
            ASSERT_FALSE(checked.ok());
            EXPECT_EQ(checked.error().what(), c.error);
        }
    }
}

// create's rules for the process, which `check` lists all of.
TEST(ProcessPlan, TheProcessRefusalsCreateAndCheckShare) {
    oci::Process p;
    p.args = {"/bin/true"};
    p.cwd = "/";
    p.rlimits = {{"RLIMIT_NOFILE", 1024, 1024}};
    EXPECT_TRUE(berth::process::process_refusals(p).empty());
    p.cwd.clear();  // runc's default, "/"
    EXPECT_TRUE(berth::process::process_refusals(p).empty());
    p.commandLine = "cmd.exe";
    p.args.clear();
    p.cwd = "tmp";
    p.rlimits = {{"RLIMIT_NOFILE", 1024, 1024}, {"RLIMIT_CORE", 10, 20}};
    std::vector<std::string> refused;
    for (const auto& field : berth::process::process_refusals(p)) refused.push_back(field.error().what());
    EXPECT_EQ(refused, (std::vector<std::string>{
                           "config.json: process.commandLine: a Windows field, not used on Linux (use process.args)",
                           "config.json: process.args: must not be empty",
                           "config.json: process.cwd: must be an absolute path",
                           "config.json: process.rlimits[1]: soft limit 20 is above the hard limit 10",
                       }));
}
