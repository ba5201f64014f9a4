// berth ps: lists the processes of a container.
#include "berth/cli/commands.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"format", "f", FlagKind::String, "select one of: table or json", "table"},
};
}  // namespace

const Command kPsCommand = {
    .name = "ps",
    .summary = "ps displays the processes running inside a container",
    .args_usage = "<container-id> [ps options]",
    .description = {},
    .flags = kFlags,
    .arg_count = ArgCount::at_least(1),
    // Arguments after the container id are ps(1) options: `berth ps ID -ef`.
    .order = ArgOrder::FlagsFirst,
};
}  // namespace berth::cli
