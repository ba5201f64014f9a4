// berth events: streams container events (OOM) and resource statistics.
#include <cstdio>

#include "berth/cli/commands.hpp"
#include "berth/container/lifecycle.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"interval", "", FlagKind::Duration, "set the stats collection interval", "5s"},
    {"stats", "", FlagKind::Bool, "display the container's stats then exit"},
};

void emit(const std::string& line) {
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

Result<int> run_events(const Invocation& inv) {
    BERTH_TRY(container::container_events(inv.global.root, inv.args[0], inv.flags.get_duration("interval") / 1000000,
                                          inv.flags.get_bool("stats"), emit));
    return 0;
}

}  // namespace

const Command kEventsCommand = {
    .name = "events",
    .summary = "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
    .args_usage = "<container-id>",
    .description = {},
    .flags = kFlags,
    .arg_count = ArgCount::exactly(1),
    .run = run_events,
};
}  // namespace berth::cli
