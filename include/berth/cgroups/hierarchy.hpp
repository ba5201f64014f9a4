// The cgroup hierarchies mounted on this host: which layout, where each
// controller lives. Read from /proc/self/mountinfo.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "berth/util/result.hpp"

namespace berth::cgroups {

enum class Layout { v1, hybrid, unified };

const char* layout_name(Layout layout);

// One mounted hierarchy: a v1 hierarchy with its controllers (cpu, memory, ...)
// or the cgroup2 hierarchy (controllers listed in its cgroup.controllers).
struct Hierarchy {
    std::string mountpoint;
    std::vector<std::string> controllers;  // v1 only
    bool v2 = false;

    bool has(std::string_view controller) const;
};

struct Hierarchies {
    Layout layout = Layout::v1;
    std::vector<Hierarchy> v1;  // real controllers only (named hierarchies like name=systemd skipped)
    std::string unified;        // cgroup2 mountpoint, empty when none
    // The named v1 hierarchy "name=systemd" (no controllers), empty when none.
    // As runc, a container on a v1/hybrid host gets a cgroup there too: what
    // runs inside (systemd, or anything reading /proc/self/cgroup) sees its own.
    std::string systemd;

    // The v1 mountpoint holding `controller`, or nullptr.
    const Hierarchy* v1_for(std::string_view controller) const;
};

// The directories of the cgroup `path` (relative to each hierarchy root) in
// every v1 controller hierarchy: "<mountpoint><path>", one per hierarchy. With
// the systemd driver on a v1/hybrid host these are the ones the container's
// process joins itself after systemd started its unit, as runc's legacy systemd
// manager does; the name=systemd and cgroup2 hierarchies are systemd's own.
std::vector<std::string> v1_controller_dirs(const Hierarchies& hierarchies, std::string_view path);

// Parses mountinfo text. Only mounts of a hierarchy's root ("/") count: a
// bind of a sub-cgroup is not a place to create containers.
Result<Hierarchies> parse_mountinfo(std::string_view mountinfo);

// This host's hierarchies, read once per process.
Result<Hierarchies> host_hierarchies();

// Which layout this host has.
Result<Layout> detect_layout();

}  // namespace berth::cgroups
