// A container's cgroup, across cgroup v1, hybrid and unified v2 hosts.
//
// The lifecycle uses: create() before clone (the init is placed in it before it
// runs user code), path_for() to record it in the state, destroy() on delete.
// Resources, freeze, stats and pids are added by the cgroups work.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::cgroups {

enum class Layout { v1, hybrid, unified };

// Which layout this host has (reads /sys/fs/cgroup once).
Layout detect_layout();

}  // namespace berth::cgroups
