// Running without root, as rootless podman, Docker and BuildKit run runc: what
// berth needs to know about its own privileges. The rest of rootless support
// lives where each concern is: id maps (namespaces.hpp), the `none` cgroup
// manager (cgroups/manager.hpp), the state root (cli).
#pragma once

namespace berth::linux_setup {

// True when this process runs in a user namespace whose root is not the
// host's root: /proc/self/uid_map is not the initial namespace's identity map
// ("0 0 4294967295"). An unreadable map counts as the host's.
bool in_user_namespace();

// True when berth lacks the host root's privileges: its euid is not 0, or it
// runs in a user namespace (runc's --rootless auto).
bool rootless_by_default();

}  // namespace berth::linux_setup
