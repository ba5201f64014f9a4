// berth pause: freezes every process of a container.
#include "berth/cgroups/container_cgroup.hpp"
#include "berth/cli/commands.hpp"

namespace berth::cli {
namespace {

Result<int> run_pause(const Invocation& inv) {
    BERTH_TRY_ASSIGN(auto c, cgroups::open_container_cgroup(inv.global.root, inv.args[0], true));
    // As runc: a created or running container can be paused, nothing else.
    if (c.status != container::ContainerStatus::running && c.status != container::ContainerStatus::created)
        return Error::msg("container not running");
    BERTH_TRY(c.cgroup.freeze());
    return 0;
}

}  // namespace

const Command kPauseCommand = {
    .name = "pause",
    .summary = "pause suspends all processes inside the container",
    .args_usage = "<container-id>",
    .description = {},
    .flags = {},
    .arg_count = ArgCount::exactly(1),
    .run = run_pause,
};
}  // namespace berth::cli
