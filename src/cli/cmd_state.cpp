// berth state: prints a container's state JSON.
#include "berth/cli/commands.hpp"

#include <cstdio>

#include "berth/container/lifecycle.hpp"
#include "oci/parser.hpp"

namespace berth::cli {
namespace {
Result<int> run_state(const Invocation& inv) {
    BERTH_TRY_ASSIGN(oci::State state, container::container_state(inv.global.root, inv.args[0]));
    // runc prints the indented document without a trailing newline.
    std::fputs(oci::write_state(state, true).c_str(), stdout);
    return 0;
}
}  // namespace

const Command kStateCommand = {
    .name = "state",
    .summary = "output the state of a container",
    .args_usage = "<container-id>",
    .description = {},
    .flags = {},
    .arg_count = ArgCount::exactly(1),
    .run = run_state,
};
}  // namespace berth::cli
