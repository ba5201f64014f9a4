// berth start: runs the user's process of a created container.
#include "berth/cli/commands.hpp"

#include "berth/container/lifecycle.hpp"

namespace berth::cli {
namespace {
Result<int> run_start(const Invocation& inv) {
    BERTH_TRY(container::start_container(inv.global.root, inv.args[0]));
    return 0;
}
}  // namespace

const Command kStartCommand = {
    .name = "start",
    .summary = "executes the user defined process in a created container",
    .args_usage = "<container-id>",
    .description = {},
    .flags = {},
    .arg_count = ArgCount::exactly(1),
    .run = run_start,
};
}  // namespace berth::cli
