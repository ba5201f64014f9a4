// berth delete: removes every resource a container holds.
#include "berth/cli/commands.hpp"

#include "berth/container/lifecycle.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"force", "f", FlagKind::Bool, "forcibly deletes the container if it is still running (uses SIGKILL)"},
};

Result<int> run_delete(const Invocation& inv) {
    BERTH_TRY(container::delete_container(inv.global.root, inv.args[0], inv.flags.get_bool("force")));
    return 0;
}
}  // namespace


const Command kDeleteCommand = {
    .name = "delete",
    .summary = "delete any resources held by the container often used with detached container",
    .args_usage = "<container-id>",
    .description = {},
    .flags = kFlags,
    .arg_count = ArgCount::exactly(1),
    .run = run_delete,
};
}  // namespace berth::cli
