// berth resume: thaws a paused container.
#include "berth/cgroups/container_cgroup.hpp"
#include "berth/cli/commands.hpp"

namespace berth::cli {
namespace {

Result<int> run_resume(const Invocation& inv) {
    BERTH_TRY_ASSIGN(auto c, cgroups::open_container_cgroup(inv.global.root, inv.args[0], true));
    if (c.status != container::ContainerStatus::paused) return Error::msg("container not paused");
    BERTH_TRY(c.cgroup.thaw());
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
