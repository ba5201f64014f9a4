#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "berth/cli/commands.hpp"
#include "berth/cli/flags.hpp"
#include "berth/linux/rootless.hpp"

namespace berth::cli {
namespace {

Result<ParsedArgs> parse(const Command& c, std::vector<std::string> argv) { return parse_flags(c.flags, argv, c.order); }

std::string parse_error(const Command& c, std::vector<std::string> argv) {
    auto r = parse(c, std::move(argv));
    return r.ok() ? "(parsed)" : r.error().what();
}

TEST(CliFlags, LongFormWithSeparateValue) {
    auto r = parse(kCreateCommand, {"--bundle", "/b", "id"});
    ASSERT_TRUE(r.ok()) << r.error().what();
    EXPECT_EQ(r->flags.get_string("bundle"), "/b");
    EXPECT_EQ(r->args, std::vector<std::string>{"id"});
}

TEST(CliFlags, LongFormWithEquals) {
    auto r = parse(kCreateCommand, {"--bundle=/b", "--pid-file=/p", "id"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->flags.get_string("bundle"), "/b");
    EXPECT_EQ(r->flags.get_string("pid-file"), "/p");
}

TEST(CliFlags, ShortAliasIsTheLongFlag) {
    auto r = parse(kCreateCommand, {"-b", "/b", "id"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->flags.get_string("bundle"), "/b");
    EXPECT_TRUE(r->flags.is_set("bundle"));
}

TEST(CliFlags, OneOrTwoDashesAreEquivalent) {
    EXPECT_EQ(parse_error(kCreateCommand, {"-bundle=/b", "--b", "/c", "id"}),
              "Cannot use two forms of the same flag: b bundle");
    auto single = parse(kRunCommand, {"-detach", "id"});
    ASSERT_TRUE(single.ok());
    EXPECT_TRUE(single->flags.get_bool("detach"));
}

TEST(CliFlags, BoolForms) {
    auto r = parse(kRunCommand, {"-d", "--keep=false", "id"});
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->flags.get_bool("detach"));
    EXPECT_FALSE(r->flags.get_bool("keep"));
    EXPECT_FALSE(r->flags.get_bool("no-pivot"));
    EXPECT_EQ(parse_error(kDeleteCommand, {"--force=maybe", "id"}),
              "invalid boolean value \"maybe\" for -force: parse error");
}

TEST(CliFlags, BoolDoesNotConsumeTheNextArgument) {
    auto r = parse(kRunCommand, {"--detach", "id"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->args, std::vector<std::string>{"id"});
}

TEST(CliFlags, DefaultsFromTheTable) {
    auto r = parse(kListCommand, {});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->flags.get_string("format"), "table");
    EXPECT_FALSE(r->flags.is_set("format"));
    auto events = parse(kEventsCommand, {"id"});
    ASSERT_TRUE(events.ok());
    EXPECT_EQ(events->flags.get_duration("interval"), 5'000'000'000);
}

TEST(CliFlags, ListFlagsKeepEveryValue) {
    auto r = parse(kExecCommand, {"-e", "A=1", "-e=B=2", "--cap", "CAP_KILL", "--cap=CAP_CHOWN", "id", "ls"});
    ASSERT_TRUE(r.ok()) << r.error().what();
    EXPECT_EQ(r->flags.get_list("env"), (std::vector<std::string>{"A=1", "B=2"}));
    EXPECT_EQ(r->flags.get_list("cap"), (std::vector<std::string>{"CAP_KILL", "CAP_CHOWN"}));
}

TEST(CliFlags, LastValueWinsForScalarFlags) {
    auto r = parse(kCreateCommand, {"--pid-file", "/a", "--pid-file", "/b", "id"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->flags.get_string("pid-file"), "/b");
}

TEST(CliFlags, UnknownFlag) {
    EXPECT_EQ(parse_error(kStateCommand, {"--foo", "x"}), "flag provided but not defined: -foo");
    EXPECT_EQ(parse_error(kStateCommand, {"-foo=1", "x"}), "flag provided but not defined: -foo");
}

TEST(CliFlags, MissingValue) {
    EXPECT_EQ(parse_error(kRunCommand, {"id", "--bundle"}), "flag needs an argument: -bundle");
    EXPECT_EQ(parse_error(kRunCommand, {"-b"}), "flag needs an argument: -b");
}

TEST(CliFlags, ValueMayStartWithDash) {
    auto r = parse(kCreateCommand, {"--pid-file", "-weird", "id"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->flags.get_string("pid-file"), "-weird");
}

TEST(CliFlags, BadSyntax) {
    EXPECT_EQ(parse_error(kStateCommand, {"---x"}), "bad flag syntax: ---x");
    EXPECT_EQ(parse_error(kStateCommand, {"-=x"}), "bad flag syntax: -=x");
}

TEST(CliFlags, TypedValuesAreValidated) {
    EXPECT_EQ(parse_error(kCreateCommand, {"--preserve-fds=abc", "id"}),
              "invalid value \"abc\" for flag -preserve-fds: parse error");
    EXPECT_EQ(parse_error(kCreateCommand, {"--preserve-fds=-1", "id"}),
              "invalid value \"-1\" for flag -preserve-fds: parse error");
    EXPECT_EQ(parse_error(kUpdateCommand, {"--pids-limit", "x", "id"}),
              "invalid value \"x\" for flag -pids-limit: parse error");
    auto r = parse(kCheckpointCommand, {"--status-fd", "-1", "id"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->flags.get_int("status-fd"), -1);
    auto u = parse(kCreateCommand, {"--preserve-fds", "0x10", "id"});
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u->flags.get_uint("preserve-fds"), 16u);
}

TEST(CliFlags, FlagsAfterArgumentsWhereRuncReordersThem) {
    auto r = parse(kDeleteCommand, {"id", "--force"});
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->flags.get_bool("force"));
    EXPECT_EQ(r->args, std::vector<std::string>{"id"});
    auto kill = parse(kKillCommand, {"id", "KILL", "--all"});
    ASSERT_TRUE(kill.ok());
    EXPECT_TRUE(kill->flags.get_bool("all"));
    EXPECT_EQ(kill->args, (std::vector<std::string>{"id", "KILL"}));
}

TEST(CliFlags, ExecCommandLineIsPassedThrough) {
    auto r = parse(kExecCommand, {"-t", "id", "ls", "-l", "--foo"});
    ASSERT_TRUE(r.ok()) << r.error().what();
    EXPECT_TRUE(r->flags.get_bool("tty"));
    EXPECT_EQ(r->args, (std::vector<std::string>{"id", "ls", "-l", "--foo"}));
    auto ps = parse(kPsCommand, {"id", "-ef"});
    ASSERT_TRUE(ps.ok());
    EXPECT_EQ(ps->args, (std::vector<std::string>{"id", "-ef"}));
}

TEST(CliFlags, DoubleDashEndsFlags) {
    auto r = parse(kStateCommand, {"--", "-x"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->args, std::vector<std::string>{"-x"});
}

TEST(CliFlags, HelpIsAlwaysAccepted) {
    auto r = parse(kStateCommand, {"-h"});
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->help);
    auto l = parse(kStateCommand, {"--help", "x"});
    ASSERT_TRUE(l.ok());
    EXPECT_TRUE(l->help);
}

TEST(CliFlags, RuncAliases) {
    struct Case {
        const Command* command;
        const char* alias;
        const char* name;
    };
    const Case cases[] = {
        {&kCreateCommand, "b", "bundle"}, {&kRunCommand, "d", "detach"},  {&kExecCommand, "t", "tty"},
        {&kExecCommand, "u", "user"},     {&kExecCommand, "p", "process"}, {&kExecCommand, "g", "additional-gids"},
        {&kExecCommand, "c", "cap"},      {&kListCommand, "f", "format"},  {&kListCommand, "q", "quiet"},
        {&kKillCommand, "a", "all"},      {&kDeleteCommand, "f", "force"}, {&kUpdateCommand, "r", "resources"},
        {&kSpecCommand, "b", "bundle"},   {&kPsCommand, "f", "format"},    {&kRestoreCommand, "d", "detach"},
    };
    for (const Case& c : cases) {
        bool found = false;
        for (const FlagSpec& f : c.command->flags) found |= f.name == c.name && f.alias == c.alias;
        EXPECT_TRUE(found) << c.command->name << " -" << c.alias;
    }
}

TEST(CliFlags, GoDurations) {
    EXPECT_EQ(*parse_go_duration("1m30s"), 90'000'000'000);
    EXPECT_EQ(*parse_go_duration("250ms"), 250'000'000);
    EXPECT_EQ(*parse_go_duration("1.5h"), 5'400'000'000'000);
    EXPECT_EQ(*parse_go_duration("0"), 0);
    EXPECT_FALSE(parse_go_duration("5").ok());
    EXPECT_FALSE(parse_go_duration("").ok());
    EXPECT_FALSE(parse_go_duration("s").ok());
}

TEST(CliArgCount, RuncShapedMessages) {
    EXPECT_EQ(check_arg_count(kStateCommand, 0).error().what(), "berth: \"state\" requires exactly 1 argument(s)");
    EXPECT_EQ(check_arg_count(kStateCommand, 2).error().what(), "berth: \"state\" requires exactly 1 argument(s)");
    EXPECT_TRUE(check_arg_count(kStateCommand, 1).ok());
    EXPECT_EQ(check_arg_count(kPsCommand, 0).error().what(), "berth: \"ps\" requires a minimum of 1 argument(s)");
    EXPECT_TRUE(check_arg_count(kPsCommand, 3).ok());
    EXPECT_EQ(check_arg_count(kKillCommand, 3).error().what(), "berth: \"kill\" requires a maximum of 2 argument(s)");
    EXPECT_EQ(check_arg_count(kKillCommand, 0).error().what(), "berth: \"kill\" requires a minimum of 1 argument(s)");
    EXPECT_EQ(check_arg_count(kListCommand, 1).error().what(), "berth: \"list\" requires exactly 0 argument(s)");
}

TEST(CliCommands, EveryRuncSubcommandExists) {
    for (const char* name : {"create", "start", "state", "kill", "delete", "run", "exec", "ps", "list", "pause",
                             "resume", "update", "events", "spec", "features", "checkpoint", "restore", "check"}) {
        EXPECT_NE(find_command(name), nullptr) << name;
    }
    EXPECT_EQ(find_command("nope"), nullptr);
}

TEST(CliGlobal, DefaultsAndForms) {
    std::vector<std::string> argv = {"--root=/tmp/r", "--log", "/tmp/l", "--log-format=json", "--debug", "state", "x"};
    auto r = parse_flags(global_flag_specs(), argv, ArgOrder::FlagsFirst);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->args, (std::vector<std::string>{"state", "x"}));
    auto g = global_options(r->flags);
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g->root, "/tmp/r");
    EXPECT_EQ(g->log, "/tmp/l");
    EXPECT_EQ(g->log_format, log::Format::Json);
    EXPECT_TRUE(g->debug);
    // auto: the tests run as the host's root.
    EXPECT_FALSE(g->rootless);

    std::vector<std::string> none = {"list"};
    auto d = global_options(parse_flags(global_flag_specs(), none, ArgOrder::FlagsFirst)->flags);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->root, "/run/berth");
    EXPECT_EQ(d->log_format, log::Format::Text);
}

TEST(CliGlobal, RootlessTakesAValueAsInRunc) {
    std::vector<std::string> argv = {"--rootless", "true", "list"};
    auto r = parse_flags(global_flag_specs(), argv, ArgOrder::FlagsFirst);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->flags.get_string("rootless"), "true");
    EXPECT_EQ(r->args, std::vector<std::string>{"list"});
    auto g = global_options(r->flags);
    ASSERT_TRUE(g.ok());
    EXPECT_TRUE(g->rootless);
}

TEST(CliGlobal, RootlessValuesAreGoBooleans) {
    for (const char* yes : {"1", "t", "TRUE", "True"}) {
        std::vector<std::string> argv = {std::string("--rootless=") + yes, "list"};
        auto g = global_options(parse_flags(global_flag_specs(), argv, ArgOrder::FlagsFirst)->flags);
        ASSERT_TRUE(g.ok()) << yes;
        EXPECT_TRUE(g->rootless) << yes;
    }
    for (const char* no : {"0", "f", "false", "FALSE"}) {
        std::vector<std::string> argv = {std::string("--rootless=") + no, "list"};
        auto g = global_options(parse_flags(global_flag_specs(), argv, ArgOrder::FlagsFirst)->flags);
        ASSERT_TRUE(g.ok()) << no;
        EXPECT_FALSE(g->rootless) << no;
    }
    std::vector<std::string> argv = {"--rootless=yes", "list"};
    auto g = global_options(parse_flags(global_flag_specs(), argv, ArgOrder::FlagsFirst)->flags);
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.error().what(), "strconv.ParseBool: parsing \"yes\": invalid syntax");
}

// runc's rule: the host's root keeps /run/berth whatever $XDG_RUNTIME_DIR says
// (e.g. /run/user/0 in a root login session).
TEST(CliGlobal, HostRootIgnoresXdgRuntimeDir) {
    if (::geteuid() != 0 || berth::linux_setup::in_user_namespace()) GTEST_SKIP() << "needs the host's root";
    const char* saved = std::getenv("XDG_RUNTIME_DIR");
    const std::string old = saved ? saved : "";
    ::setenv("XDG_RUNTIME_DIR", "/run/user/0", 1);
    std::vector<std::string> argv = {"list"};
    auto g = global_options(parse_flags(global_flag_specs(), argv, ArgOrder::FlagsFirst)->flags);
    if (saved) ::setenv("XDG_RUNTIME_DIR", old.c_str(), 1); else ::unsetenv("XDG_RUNTIME_DIR");
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g->root, "/run/berth");
    EXPECT_FALSE(g->root_in_xdg);
    EXPECT_TRUE(g->root_unusable.empty());
}

TEST(CliGlobal, InvalidLogFormat) {
    std::vector<std::string> argv = {"--log-format", "xml", "list"};
    auto g = global_options(parse_flags(global_flag_specs(), argv, ArgOrder::FlagsFirst)->flags);
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.error().what(), "invalid log-format: xml");
}

}  // namespace
}  // namespace berth::cli
