// berth state: prints a container's state JSON.
#include "berth/cli/commands.hpp"

namespace berth::cli {
const Command kStateCommand = {
    .name = "state",
    .summary = "output the state of a container",
    .args_usage = "<container-id>",
    .description = {},
    .flags = {},
    .arg_count = ArgCount::exactly(1),
};
}  // namespace berth::cli
