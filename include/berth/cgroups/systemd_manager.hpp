// The systemd cgroup driver (--systemd-cgroup): the container's cgroup is a
// transient systemd unit, started over D-Bus with the init's pid and the
// limits as unit properties, changed with SetUnitProperties and stopped on
// delete. What systemd has no property for is written to the unit's cgroup
// files, as runc does (systemd_properties.hpp has the split).
//
// Root talks to the system manager (its private socket, else the system bus),
// anyone else to their user manager over the session bus.
//
// On a v1 or hybrid host it does what runc 1.1's legacy systemd manager does:
// systemd's v1 properties (MemoryLimit, CPUShares, BlockIOWeight, ...), and
// the init joins the unit's path in the v1 hierarchies systemd does not manage
// (freezer, cpuset, ...: Cgroup::join_v1_layout); delete removes those
// directories after the unit stopped. The system manager only, as runc.
#pragma once

#include <memory>

#include "berth/cgroups/manager.hpp"

namespace berth::cgroups::systemd {

// Checks the unit name and the properties and connects to systemd, all before
// the init exists; the unit itself starts in place(pid).
Result<std::unique_ptr<Manager>> create_manager(const CreateRequest& request);
// A later command's view: connects to systemd only when it must (update,
// delete); pause, ps and events work on the cgroup files alone.
Result<std::unique_ptr<Manager>> load_manager(const SavedManager& saved);

}  // namespace berth::cgroups::systemd
