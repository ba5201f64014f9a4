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

// A record for the new container, without its init (pid 0).
Record new_record(const CreateOptions& options, const Bundle& bundle, const cgroups::Manager& cgroup);

// The runtime-spec state a hook reads on stdin.
std::string hook_state(const Record& base, pid_t pid, ContainerStatus status);

// Removes the container directory of a failed create or restore.
class DirGuard {
public:
    explicit DirGuard(const ContainerDir& dir) : dir_(&dir) {}
    DirGuard(const DirGuard&) = delete;
    DirGuard& operator=(const DirGuard&) = delete;
    ~DirGuard() {
        if (dir_) (void)remove_container_dir(*dir_);
    }
    void dismiss() { dir_ = nullptr; }

private:
    const ContainerDir* dir_;
};

}  // namespace berth::container
