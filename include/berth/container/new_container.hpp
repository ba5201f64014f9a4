// What `create` and `restore` share: both make a new container record from
// a bundle, in a directory that a failure removes again.
#pragma once

#include <string>

#include "berth/cgroups/manager.hpp"
#include "berth/container/lifecycle.hpp"
#include "berth/container/record.hpp"
#include "berth/container/state_dir.hpp"
#include "berth/container/status.hpp"
#include "oci/spec.hpp"

namespace berth::container {

struct Bundle {
    std::string path;         // absolute
    std::string config_json;  // as read, saved in the container's directory
    oci::Spec spec;           // has linux
};

// Validates the id, makes --pid-file and --console-socket absolute, moves
// into the bundle (hooks start there, relative paths resolve there, as in
// runc) and reads its config.json.
Result<Bundle> open_bundle(CreateOptions& options);

// The container's cgroup as `options` and the config ask for.
cgroups::CreateRequest cgroup_request(const CreateOptions& options, const oci::Spec& spec);

// A record for the new container, without its init (pid 0) and its cgroup
// (the caller records the manager once it exists: create may make it after clone).
Record new_record(const CreateOptions& options, const Bundle& bundle);

// The runtime-spec state a hook reads on stdin.
std::string hook_state(const Record& base, pid_t pid, ContainerStatus status);

}  // namespace berth::container
