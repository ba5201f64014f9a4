// berth resume: thaws a paused container.
#include "berth/cli/commands.hpp"
#include "berth/container/lifecycle.hpp"

namespace berth::cli {
namespace {

Result<int> run_resume(const Invocation& inv) {
    BERTH_TRY(container::resume_container(inv.global.root, inv.args[0]));
    return 0;
}

}  // namespace

const Command kResumeCommand = {
    .name = "resume",
    .summary = "resumes all processes that have been previously paused",
    .args_usage = "<container-id>",
    .description = {},
    .flags = {},
    .arg_count = ArgCount::exactly(1),
    .run = run_resume,
};
}  // namespace berth::cli
