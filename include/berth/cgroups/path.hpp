// Where a container's cgroup lives inside each hierarchy: pure path logic.
#pragma once

#include <string>
#include <string_view>

#include "berth/util/path.hpp"
#include "berth/util/result.hpp"

namespace berth::cgroups {

// The cgroup path, relative to each hierarchy root, for linux.cgroupsPath.
// Absolute and relative paths both resolve under the hierarchy root (never
// under the caller's own cgroup); an empty path gives `/<id>`, as runc's and
// crun's cgroupfs default (no shared parent to make and remove per container:
// Cgroup::create insists on making that leaf itself).
// A path that cleans to the root itself is refused: the container would share
// (and on delete kill) the whole hierarchy.
Result<std::string> resolve_cgroups_path(std::string_view cgroups_path, std::string_view container_id);

}  // namespace berth::cgroups
