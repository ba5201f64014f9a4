// berth pause: freezes every process of a container.
#include "berth/cli/commands.hpp"

namespace berth::cli {
const Command kPauseCommand = {
    .name = "pause",
    .summary = "pause suspends all processes inside the container",
    .args_usage = "<container-id>",
    .description = {},
    .flags = {},
    .arg_count = ArgCount::exactly(1),
};
}  // namespace berth::cli
