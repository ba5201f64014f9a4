// Freezing a cgroup: v1 freezer.state, v2 cgroup.freeze (+ cgroup.events).
#pragma once

#include "berth/cgroups/cgroup.hpp"

namespace berth::cgroups {

// Freezes (or thaws) and waits until the kernel reports the new state.
Status set_frozen(const Cgroup& cgroup, bool frozen);
Result<FreezerState> read_frozen(const Cgroup& cgroup);

}  // namespace berth::cgroups
