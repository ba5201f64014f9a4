// berth list: lists the containers under --root.
#include "berth/cli/commands.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"format", "f", FlagKind::String, "select one of: table or json", "table"},
    {"quiet", "q", FlagKind::Bool, "display only container IDs"},
};
}  // namespace

const Command kListCommand = {
    .name = "list",
    .summary = "lists containers started by berth with the given root",
    .args_usage = "",
    .description = {},
    .flags = kFlags,
    .arg_count = ArgCount::exactly(0),
};
}  // namespace berth::cli
