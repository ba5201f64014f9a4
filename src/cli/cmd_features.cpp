// berth features: prints the runtime-spec features document of this build.
#include "berth/cli/commands.hpp"

namespace berth::cli {
const Command kFeaturesCommand = {
    .name = "features",
    .summary = "show the enabled features",
    .args_usage = "",
    .description = "Prints, as JSON, the runtime-spec features berth implements.",
    .flags = {},
    .arg_count = ArgCount::exactly(0),
};
}  // namespace berth::cli
