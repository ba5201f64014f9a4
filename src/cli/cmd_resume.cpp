// berth resume: thaws a paused container.
#include "berth/cli/commands.hpp"

namespace berth::cli {
const Command kResumeCommand = {
    .name = "resume",
    .summary = "resumes all processes that have been previously paused",
    .args_usage = "<container-id>",
    .description = {},
    .flags = {},
    .arg_count = ArgCount::exactly(1),
};
}  // namespace berth::cli
