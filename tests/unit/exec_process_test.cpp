// exec's process building (runc's getProcess) and --cgroup parsing.
#include <gtest/gtest.h>

#include <cerrno>

#include "berth/container/exec_cgroup.hpp"
#include "berth/container/exec_process.hpp"

namespace berth::container {
namespace {

oci::Process config_process() {
    oci::Process p;
    p.terminal = true;
    p.args = {"sleep", "100"};
    p.env = {"PATH=/bin", "TERM=xterm"};
    p.cwd = "/";
    p.user.uid = 5;
    p.user.gid = 6;
    p.capabilities = oci::Capabilities{.bounding = std::vector<std::string>{"CAP_KILL"},
                                       .effective = std::vector<std::string>{"CAP_KILL"},
                                       .inheritable = std::nullopt,
                                       .permitted = std::vector<std::string>{"CAP_KILL"},
                                       .ambient = std::nullopt};
    return p;
}

TEST(ExecProcess, FlagsGoOnTopOfTheConfigsProcess) {
    ExecProcessFlags f;
    f.args = {"ls", "-l"};
    f.cwd = "/tmp";
    f.env = {"A=1"};
    f.user = "1000:1001";
    f.additional_gids = {"100", "65534"};
    f.no_new_privs = true;
    auto p = exec_process_from_flags(config_process(), f);
    ASSERT_TRUE(p) << p.error().what();
    EXPECT_EQ(p->args, (std::vector<std::string>{"ls", "-l"}));
    EXPECT_EQ(p->cwd, "/tmp");
    EXPECT_EQ(p->env, (std::vector<std::string>{"PATH=/bin", "TERM=xterm", "A=1"}));
    EXPECT_EQ(p->user.uid, 1000U);
    EXPECT_EQ(p->user.gid, 1001U);
    EXPECT_EQ(p->user.additionalGids, (std::vector<uint32_t>{100, 65534}));
    EXPECT_TRUE(p->noNewPrivileges);
    // runc: the terminal comes only from --tty, never from the config.
    EXPECT_FALSE(p->terminal);
}

TEST(ExecProcess, UserWithoutGidKeepsTheConfigsGid) {
    ExecProcessFlags f;
    f.args = {"id"};
    f.user = "7";
    auto p = exec_process_from_flags(config_process(), f);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->user.uid, 7U);
    EXPECT_EQ(p->user.gid, 6U);
}

TEST(ExecProcess, CapsNeverBecomeInheritable) {
    ExecProcessFlags f;
    f.args = {"true"};
    f.caps = {"CAP_NET_RAW"};
    auto p = exec_process_from_flags(config_process(), f);
    ASSERT_TRUE(p);
    EXPECT_EQ(*p->capabilities->bounding, (std::vector<std::string>{"CAP_KILL", "CAP_NET_RAW"}));
    EXPECT_EQ(*p->capabilities->effective, (std::vector<std::string>{"CAP_KILL", "CAP_NET_RAW"}));
    EXPECT_EQ(*p->capabilities->permitted, (std::vector<std::string>{"CAP_KILL", "CAP_NET_RAW"}));
    EXPECT_FALSE(p->capabilities->inheritable.has_value());  // CVE-2022-29162
    // No inheritable set: an ambient cap could not be raised (runc 1.3 leaves it out).
    EXPECT_FALSE(p->capabilities->ambient.has_value());
}

TEST(ExecProcess, CapsBecomeAmbientWhenTheConfigHasAnInheritableSet) {
    ExecProcessFlags f;
    f.args = {"true"};
    f.caps = {"CAP_NET_RAW"};
    oci::Process config = config_process();
    config.capabilities->inheritable = std::vector<std::string>{"CAP_NET_RAW"};
    auto p = exec_process_from_flags(config, f);
    ASSERT_TRUE(p);
    EXPECT_EQ(*p->capabilities->ambient, std::vector<std::string>{"CAP_NET_RAW"});
    EXPECT_EQ(*p->capabilities->inheritable, std::vector<std::string>{"CAP_NET_RAW"});
}

TEST(ExecProcess, RuncErrors) {
    ExecProcessFlags f;
    EXPECT_EQ(exec_process_from_flags(config_process(), f).error().what(), "process args cannot be empty");
    f.args = {"true"};
    f.user = "abc";
    EXPECT_EQ(exec_process_from_flags(config_process(), f).error().what(),
              "parsing abc as int for uid failed: strconv.Atoi: parsing \"abc\": invalid syntax");
    f.user = "1:x";
    EXPECT_EQ(exec_process_from_flags(config_process(), f).error().what(),
              "parsing x as int for gid failed: strconv.Atoi: parsing \"x\": invalid syntax");
    f.user.clear();
    f.cwd = "relative";
    EXPECT_EQ(exec_process_from_flags(config_process(), f).error().what(), "Cwd must be an absolute path");
    f.cwd.clear();
    f.additional_gids = {"-1"};
    EXPECT_EQ(exec_process_from_flags(config_process(), f).error().what(), "additional-gids must be a positive number -1");
}

TEST(ExecCgroup, ParsesRuncsForms) {
    auto all = parse_sub_cgroups({"sub"});
    ASSERT_TRUE(all);
    EXPECT_EQ(all->at(""), "sub");
    auto per = parse_sub_cgroups({"memory:submem", "cpu,cpuacct:subcpu"});
    ASSERT_TRUE(per);
    EXPECT_EQ(per->at("memory"), "submem");
    EXPECT_EQ(per->at("cpu"), "subcpu");
    EXPECT_EQ(per->at("cpuacct"), "subcpu");
    EXPECT_EQ(parse_sub_cgroups({"a:b:c"}).error().what(), "invalid --cgroup argument: a:b:c");
    EXPECT_EQ(parse_sub_cgroups({"x", "memory:y"}).error().what(),
              "invalid --cgroup argument: x (missing <controller>: prefix)");
}

// The join's errno is kept (runc's text, Go's spelling), so a caller can tell
// a cgroup that is gone from one that refuses the process.
TEST(ExecCgroup, AFailedJoinKeepsItsErrno) {
    auto joined = join_cgroup_dirs({"/nonexistent-berth-cgroup"}, 42);
    ASSERT_FALSE(joined);
    EXPECT_EQ(joined.error().code(), ENOENT);
    EXPECT_EQ(joined.error().what(),
              "adding pid 42 to cgroups: write /nonexistent-berth-cgroup/cgroup.procs: no such file or directory");
}

}  // namespace
}  // namespace berth::container
