// OOM notifications of a container's cgroup, for `events`: v1 an eventfd
// registered for memory.oom_control, v2 inotify on memory.events.
#pragma once

#include <cstdint>
#include <string>

#include "berth/cgroups/cgroup.hpp"
#include "berth/util/fd.hpp"

namespace berth::cgroups {

// How many processes the OOM killer killed in the cgroup so far (v1
// memory.oom_control, v2 memory.events "oom_kill"): e.g. to tell why an init
// died before it was ready. An error when there is no memory controller.
Result<uint64_t> oom_kill_count(const Cgroup& cgroup);

class OomWatcher {
public:
    static Result<OomWatcher> open(const Cgroup& cgroup);

    // Readable (poll POLLIN) when something happened.
    int fd() const { return fd_.get(); }
    // After fd() polled readable: how many OOM events happened since the last
    // call. An error once the cgroup is gone (v1 signals its removal too).
    Result<uint64_t> consume();

private:
    OomWatcher() = default;
    UniqueFd fd_;
    UniqueFd oom_control_;   // v1: kept open while registered
    std::string v1_dir_;     // v1: the memory cgroup
    std::string events_file_;  // v2: memory.events
    uint64_t seen_ = 0;        // v2: oom_kill count already reported
};

}  // namespace berth::cgroups
