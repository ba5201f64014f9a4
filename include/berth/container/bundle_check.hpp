// `berth check`: everything wrong with a bundle, found before `create` would
// fail on the first of it. Each problem names its JSON path:
//   linux.namespaces[2].path: /proc/1/ns/foo does not exist
// The checks against the host take its facts (host_facts.hpp) as input, so
// they are pure and testable; the file system checks resolve relative paths
// against the bundle directory.
#pragma once

#include <string>
#include <vector>

#include "berth/container/host_facts.hpp"
#include "oci/spec.hpp"

namespace berth::container {

struct Problem {
    std::string path;  // JSON path; empty when the problem is the host's or the whole file's
    std::string message;

    std::string text() const { return path.empty() ? message : path + ": " + message; }
    bool operator==(const Problem&) const = default;
};

using Problems = std::vector<Problem>;

// The spec against the host's facts (no file system access).
Problems check_against_host(const oci::Spec& spec, const HostFacts& host);
// The paths the spec names: rootfs, namespace files, bind sources, hooks,
// sysctls, the process's executable.
Problems check_paths(const oci::Spec& spec, const std::string& bundle);
// Loads bundle/config.json (a parse error is then the only problem) and runs both.
Problems check_bundle(const std::string& bundle, const HostFacts& host);

// Pieces of check_against_host, for tests.
// `host_map` is berth's own /proc/self/{uid,gid}_map: every hostID range must lie in its inside ids.
void check_id_mappings(const std::vector<oci::IDMapping>& mappings, const std::vector<oci::IDMapping>& host_map,
                       const std::string& path, Problems& out);
void check_cgroup_resources(const oci::Resources& resources, const HostFacts& host, Problems& out);

}  // namespace berth::container
