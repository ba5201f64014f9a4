// A container's cgroup reached through its state, for the commands that act on
// it (pause, resume, update, ps, events).
#pragma once

#include <string>

#include "berth/cgroups/cgroup.hpp"
#include "berth/container/record.hpp"
#include "berth/container/state_dir.hpp"
#include "berth/container/status.hpp"

namespace berth::cgroups {

struct ContainerCgroup {
    container::ContainerDir dir;  // holds the container's lock when opened with lock = true
    container::Record record;
    container::ContainerStatus status;  // paused when the cgroup is frozen
    Cgroup cgroup;
};

// Unknown id: `container does not exist` (from the state directory).
Result<ContainerCgroup> open_container_cgroup(const std::string& root, const std::string& id, bool lock);

}  // namespace berth::cgroups
