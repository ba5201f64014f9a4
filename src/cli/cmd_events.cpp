// berth events: streams container events (OOM) and resource statistics.
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

#include <cerrno>
#include <cstdio>

#include "berth/cgroups/container_cgroup.hpp"
#include "berth/cgroups/oom.hpp"
#include "berth/cgroups/stats.hpp"
#include "berth/cli/commands.hpp"
#include "berth/util/fd.hpp"

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

Status emit_stats(const cgroups::Cgroup& cgroup, const std::string& id) {
    BERTH_TRY_ASSIGN(cgroups::Stats stats, cgroups::collect_stats(cgroup));
    emit(cgroups::stats_event_json(id, stats));
    return {};
}

// A stats line every interval and an oom line per OOM event, until the
// container's init exits (its pidfd turns readable) or its cgroup goes away.
Status stream(const cgroups::ContainerCgroup& c, const std::string& id, int64_t interval_ms) {
    if (interval_ms <= 0) return Error::msg("duration interval must be greater than 0");
    UniqueFd init(static_cast<int>(::syscall(SYS_pidfd_open, c.record.pid, 0)));
    if (!init || !container::init_alive(c.record)) return {};
    auto watcher = cgroups::OomWatcher::open(c.cgroup);
    if (!watcher) log::warn("no OOM events: " + watcher.error().what());
    for (;;) {
        pollfd p[2] = {{watcher ? watcher->fd() : -1, POLLIN, 0}, {init.get(), POLLIN, 0}};
        int n = ::poll(p, 2, static_cast<int>(std::min<int64_t>(interval_ms, INT32_MAX)));
        if (n < 0 && errno != EINTR) return Error::from_errno("poll");
        if (n > 0 && (p[0].revents & POLLIN)) {
            auto fresh = watcher->consume();
            if (!fresh) return {};  // the cgroup is gone: the container was deleted
            for (uint64_t i = 0; i < *fresh; ++i) emit(cgroups::oom_event_json(id));
        }
        if (n > 0 && p[1].revents) return {};
        if (n == 0) BERTH_TRY(emit_stats(c.cgroup, id));
    }
}

Result<int> run_events(const Invocation& inv) {
    BERTH_TRY_ASSIGN(auto c, cgroups::open_container_cgroup(inv.global.root, inv.args[0], false));
    if (c.status == container::ContainerStatus::stopped)
        return Error::msg("container with id " + inv.args[0] + " is not running");
    if (inv.flags.get_bool("stats")) {
        BERTH_TRY(emit_stats(c.cgroup, inv.args[0]));
        return 0;
    }
    BERTH_TRY(stream(c, inv.args[0], inv.flags.get_duration("interval") / 1000000));
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
