// berth start: runs the user's process of a created container.
#include "berth/cli/commands.hpp"

namespace berth::cli {
const Command kStartCommand = {
    .name = "start",
    .summary = "executes the user defined process in a created container",
    .args_usage = "<container-id>",
    .description = {},
    .flags = {},
    .arg_count = ArgCount::exactly(1),
};
}  // namespace berth::cli
