// berth kill: sends a signal (default SIGTERM) to the container's init or all its processes.
#include "berth/cli/commands.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"all", "a", FlagKind::Bool, "send the specified signal to all processes inside the container"},
};
}  // namespace

const Command kKillCommand = {
    .name = "kill",
    .summary = "kill sends the specified signal (default: SIGTERM) to the container's init process",
    .args_usage = "<container-id> [signal]",
    .description = {},
    .flags = kFlags,
    .arg_count = ArgCount::between(1, 2),
};
}  // namespace berth::cli
