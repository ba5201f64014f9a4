// berth spec: writes a default config.json into the bundle.
#include "berth/cli/commands.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"bundle", "b", FlagKind::String, "path to the root of the bundle directory"},
    {"rootless", "", FlagKind::Bool, "generate a configuration for a rootless container"},
};
}  // namespace

const Command kSpecCommand = {
    .name = "spec",
    .summary = "create a new specification file",
    .args_usage = "",
    .description = "Writes a starter config.json (runs \"sh\" with a terminal) into the bundle directory.",
    .flags = kFlags,
    .arg_count = ArgCount::exactly(0),
};
}  // namespace berth::cli
