// pause, resume, update, ps and events: the commands that act on a running
// container through its cgroup manager (cgroups/manager.hpp), recorded at create.
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "berth/cgroups/manager.hpp"
#include "berth/cgroups/oom.hpp"
#include "berth/cgroups/stats.hpp"
#include "berth/container/id.hpp"
#include "berth/container/lifecycle.hpp"
#include "berth/container/record.hpp"
#include "berth/linux/resctrl.hpp"
#include "berth/util/log.hpp"

namespace berth::container {
namespace {

struct Opened {
    ContainerDir dir;  // holds the container's lock when opened with lock = true
    Record record;
    ContainerStatus status;
    std::unique_ptr<cgroups::Manager> cgroup;
};

// Unknown id: `container does not exist` (from the state directory).
Result<Opened> open_cgroup(const std::string& root, const std::string& id, bool lock) {
    BERTH_TRY(validate_id(id));
    BERTH_TRY_ASSIGN(ContainerDir dir, lock ? lock_container_dir(root, id) : open_container_dir(root, id));
    BERTH_TRY_ASSIGN(Record record, load_record(dir));
    BERTH_TRY_ASSIGN(auto cgroup, cgroups::load_manager(record.cgroup));
    BERTH_TRY_ASSIGN(ContainerStatus status, derive_status(dir, record));
    return Opened{std::move(dir), std::move(record), status, std::move(cgroup)};
}

Status emit_stats(const cgroups::Manager& cgroup, const std::string& id, const EventSink& emit) {
    BERTH_TRY_ASSIGN(cgroups::Stats stats, cgroups::collect_stats(cgroup.cgroup()));
    emit(cgroups::stats_event_json(id, stats));
    return {};
}

// A stats line every interval and an oom line per OOM event, until the
// container's init exits (its pidfd turns readable) or its cgroup goes away.
Status stream_events(const Opened& c, int64_t interval_ms, const EventSink& emit) {
    if (interval_ms <= 0) return Error::msg("duration interval must be greater than 0");
    UniqueFd init(static_cast<int>(::syscall(SYS_pidfd_open, c.record.pid, 0)));
    if (!init || !init_alive(c.record)) return {};
    auto watcher = cgroups::OomWatcher::open(c.cgroup->cgroup());
    if (!watcher) log::warn("no OOM events: " + watcher.error().what());
    // False once the cgroup is gone: the container was deleted.
    auto report_oom = [&]() -> bool {
        auto fresh = watcher->consume();
        if (!fresh) return false;
        for (uint64_t i = 0; i < *fresh; ++i) emit(cgroups::oom_event_json(c.record.id));
        return true;
    };
    for (;;) {
        pollfd p[2] = {{watcher ? watcher->fd() : -1, POLLIN, 0}, {init.get(), POLLIN, 0}};
        int n = ::poll(p, 2, static_cast<int>(std::min<int64_t>(interval_ms, INT_MAX)));
        if (n < 0 && errno != EINTR) return Error::from_errno("poll");
        if (n > 0 && (p[0].revents & POLLIN) && !report_oom()) return {};
        if (n > 0 && p[1].revents) {
            // The OOM kill that ended the init may be counted before its
            // notification wakes us: look once more.
            if (watcher) report_oom();
            return {};
        }
        if (n == 0) BERTH_TRY(emit_stats(*c.cgroup, c.record.id, emit));
    }
}

}  // namespace

Status pause_container(const std::string& root, const std::string& id) {
    BERTH_TRY_ASSIGN(Opened c, open_cgroup(root, id, true));
    BERTH_TRY(check_allowed(Operation::pause, c.status, id));
    return c.cgroup->freeze();
}

Status resume_container(const std::string& root, const std::string& id) {
    BERTH_TRY_ASSIGN(Opened c, open_cgroup(root, id, true));
    BERTH_TRY(check_allowed(Operation::resume, c.status, id));
    return c.cgroup->thaw();
}

Status update_container(const std::string& root, const std::string& id, const oci::Resources& resources,
                        const std::string& l3_cache_schema, const std::string& mem_bw_schema) {
    BERTH_TRY_ASSIGN(Opened c, open_cgroup(root, id, true));
    BERTH_TRY(check_allowed(Operation::update, c.status, id));
    if (!l3_cache_schema.empty() || !mem_bw_schema.empty()) {
        BERTH_TRY_ASSIGN(oci::Spec saved, load_saved_config(c.dir));
        const auto& rdt = saved.linux ? saved.linux->intelRdt : std::nullopt;
        BERTH_TRY(linux_setup::update_intel_rdt(linux_setup::resctrl_root(), rdt, c.record.rdt_group, l3_cache_schema,
                                                mem_bw_schema));
    }
    return c.cgroup->update(resources);
}

Result<std::vector<pid_t>> container_pids(const std::string& root, const std::string& id) {
    BERTH_TRY_ASSIGN(Opened c, open_cgroup(root, id, false));
    return c.cgroup->pids();
}

Status container_events(const std::string& root, const std::string& id, int64_t interval_ms, bool stats_only,
                        const EventSink& emit) {
    BERTH_TRY_ASSIGN(Opened c, open_cgroup(root, id, false));
    BERTH_TRY(check_allowed(Operation::events, c.status, id));
    if (!c.cgroup->has_cgroup()) return Error::msg("unable to get container cgroup stats: cgroups not configured for container");
    if (stats_only) return emit_stats(*c.cgroup, id, emit);
    return stream_events(c, interval_ms, emit);
}

}  // namespace berth::container
