// berth events: streams container events (OOM) and resource statistics.
#include "berth/cli/commands.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"interval", "", FlagKind::Duration, "set the stats collection interval", "5s"},
    {"stats", "", FlagKind::Bool, "display the container's stats then exit"},
};
}  // namespace

const Command kEventsCommand = {
    .name = "events",
    .summary = "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
    .args_usage = "<container-id>",
    .description = {},
    .flags = kFlags,
    .arg_count = ArgCount::exactly(1),
};
}  // namespace berth::cli
