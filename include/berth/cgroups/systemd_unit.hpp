// The systemd unit a container's cgroup is (--systemd-cgroup): its name, the
// slice it goes in and where systemd puts its cgroup. Pure logic, as runc
// derives them from linux.cgroupsPath.
//
//   linux.cgroupsPath "kubepods-besteffort-pod12.slice:cri-containerd:abc"
//     -> scope "cri-containerd-abc.scope" in slice "kubepods-besteffort-pod12.slice",
//        cgroup /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice/cri-containerd-abc.scope
#pragma once

#include <string>
#include <string_view>

#include "berth/util/result.hpp"

namespace berth::cgroups::systemd {

// The unit started for a container without linux.cgroupsPath is
// "<kDefaultScopePrefix>-<id>.scope" in the default slice (runc: "runc-<id>.scope",
// crun: "crun-<id>.scope"; managers that use the systemd driver pass cgroupsPath).
inline constexpr std::string_view kDefaultScopePrefix = "berth";
// The default slice: the system manager's for root, the user manager's for
// rootless (there the path is under the user manager's own cgroup).
inline constexpr std::string_view kRootSlice = "system.slice";
inline constexpr std::string_view kRootlessSlice = "user.slice";

struct Unit {
    std::string name;    // "cri-containerd-abc.scope", or "kubepods-pod12.slice"
    std::string parent;  // the slice it is in: a scope's Slice=, a slice's Wants=
    // Its cgroup, relative to the root of the manager's cgroup tree (the
    // hierarchy root for the system manager; for a user manager, its
    // ControlGroup, which the caller prefixes). The same in every v1 hierarchy.
    std::string path;

    bool is_slice() const;
    bool operator==(const Unit&) const = default;
};

// Where the slice `slice` ("a-b-c.slice") is: "/a.slice/a-b.slice/a-b-c.slice";
// "-.slice" is the root "/". Refuses names systemd would (empty components,
// '/', characters outside unit names', no ".slice").
Result<std::string> expand_slice(std::string_view slice);

// The unit for linux.cgroupsPath "slice:prefix:name" (empty: ":berth:<id>").
// An empty slice is `default_slice`; the unit is "<prefix>-<name>.scope",
// unless name ends in ".slice": then the unit is that slice (prefix ignored)
// and it must be a child of `slice` (when given), since systemd places a slice
// by its name alone. Errors name linux.cgroupsPath and its value.
Result<Unit> unit_for(std::string_view cgroups_path, std::string_view container_id, std::string_view default_slice);

}  // namespace berth::cgroups::systemd
