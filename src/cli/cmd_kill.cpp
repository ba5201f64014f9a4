// berth kill: sends a signal (default SIGTERM) to the container's init or all its processes.
#include "berth/cli/commands.hpp"

#include "berth/container/lifecycle.hpp"
#include "berth/process/signals.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"all", "a", FlagKind::Bool, "send the specified signal to all processes inside the container"},
};

Result<int> run_kill(const Invocation& inv) {
    BERTH_TRY_ASSIGN(int signal, process::parse_signal(inv.args.size() > 1 ? inv.args[1] : "SIGTERM"));
    BERTH_TRY(container::kill_container(inv.global.root, inv.args[0], signal, inv.flags.get_bool("all")));
    return 0;
}
}  // namespace


const Command kKillCommand = {
    .name = "kill",
    .summary = "kill sends the specified signal (default: SIGTERM) to the container's init process",
    .args_usage = "<container-id> [signal]",
    .description = {},
    .flags = kFlags,
    .arg_count = ArgCount::between(1, 2),
    .run = run_kill,
};
}  // namespace berth::cli
