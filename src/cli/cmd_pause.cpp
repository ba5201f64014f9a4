// berth pause: freezes every process of a container.
#include "berth/cli/commands.hpp"
#include "berth/container/lifecycle.hpp"

namespace berth::cli {
namespace {

Result<int> run_pause(const Invocation& inv) {
    BERTH_TRY(container::pause_container(inv.global.root, inv.args[0]));
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
