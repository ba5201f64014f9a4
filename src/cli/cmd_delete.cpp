// berth delete: removes every resource a container holds.
#include "berth/cli/commands.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"force", "f", FlagKind::Bool, "forcibly deletes the container if it is still running (uses SIGKILL)"},
};
}  // namespace

const Command kDeleteCommand = {
    .name = "delete",
    .summary = "delete any resources held by the container often used with detached container",
    .args_usage = "<container-id>",
    .description = {},
    .flags = kFlags,
    .arg_count = ArgCount::exactly(1),
};
}  // namespace berth::cli
