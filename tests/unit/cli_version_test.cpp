#include <gtest/gtest.h>

#include <seccomp.h>

#include "berth/cli/commands.hpp"
#include "berth/cli/help.hpp"
#include "berth/version.hpp"

namespace berth::cli {
namespace {

TEST(CliVersion, ShapeThatGoRuncAndDockerParse) {
    const scmp_version* v = seccomp_version();
    ASSERT_NE(v, nullptr);
    std::string expected = std::string("berth version ") + kVersion + "\ncommit: " + kCommit + "\nspec: 1.3.0\n" +
                           "libseccomp: " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                           std::to_string(v->micro) + "\n";
    EXPECT_EQ(version_text(), expected);
    EXPECT_EQ(std::string(kVersion), "0.1.0");
}

TEST(CliHelp, CommandHelpListsEveryFlag) {
    std::string help = command_help(kExecCommand);
    EXPECT_NE(help.find("NAME:\n   berth exec - execute new process inside the container\n"), std::string::npos);
    EXPECT_NE(help.find("--env value, -e value"), std::string::npos);
    EXPECT_NE(help.find("--tty, -t"), std::string::npos);
    EXPECT_NE(help.find("--preserve-fds value"), std::string::npos);
    EXPECT_NE(help.find("(default: 0)"), std::string::npos);
}

TEST(CliHelp, AppHelpListsEveryCommand) {
    std::string help = app_help();
    for (const Command* c : all_commands()) EXPECT_NE(help.find("   " + std::string(c->name) + " "), std::string::npos);
    EXPECT_NE(help.find("--version, -v"), std::string::npos);
}

}  // namespace
}  // namespace berth::cli
