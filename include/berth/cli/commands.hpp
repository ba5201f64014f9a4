// Every subcommand, one per src/cli/cmd_<name>.cpp. The dispatcher
// (src/cli/main.cpp) lists them in `berth --help` order.
#pragma once

#include <span>

#include "berth/cli/command.hpp"

namespace berth::cli {

extern const Command kCheckpointCommand;
extern const Command kCheckCommand;
extern const Command kCreateCommand;
extern const Command kDeleteCommand;
extern const Command kEventsCommand;
extern const Command kExecCommand;
extern const Command kFeaturesCommand;
extern const Command kKillCommand;
extern const Command kListCommand;
extern const Command kPauseCommand;
extern const Command kPsCommand;
extern const Command kRestoreCommand;
extern const Command kResumeCommand;
extern const Command kRunCommand;
extern const Command kSpecCommand;
extern const Command kStartCommand;
extern const Command kStateCommand;
extern const Command kUpdateCommand;

// All commands, for dispatch and help.
std::span<const Command* const> all_commands();
const Command* find_command(std::string_view name);

}  // namespace berth::cli
