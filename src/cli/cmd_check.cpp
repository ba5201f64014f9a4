// berth check: validates a bundle against the spec and this host.
#include "berth/cli/commands.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"bundle", "b", FlagKind::String, "path to the root of the bundle directory, defaults to the current directory"},
};
}  // namespace

const Command kCheckCommand = {
    .name = "check",
    .summary = "check a bundle against the runtime spec and this host",
    .args_usage = "",
    .description = "Prints every problem of the bundle's config.json with its JSON path; exits 0 when there is none.",
    .flags = kFlags,
    .arg_count = ArgCount::exactly(0),
};
}  // namespace berth::cli
