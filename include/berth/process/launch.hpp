// The parent side of starting a container's init: one clone3 (clone when the
// kernel lacks it) with the namespace flags, placed into its cgroup, then the
// sync protocol (sync.hpp) until the init waits on the exec fifo.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "berth/linux/net_devices.hpp"
#include "berth/process/child.hpp"
#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::process {

// What the parent does for the child while it waits.
struct ParentSteps {
    std::vector<oci::IDMapping> uid_mappings;  // written when the child has a new user namespace
    std::vector<oci::IDMapping> gid_mappings;
    int cgroup_fd = -1;                            // the v2 cgroup: clone3 CLONE_INTO_CGROUP
    // Without CLONE_INTO_CGROUP (plain clone): places the pid in its cgroups
    // after clone, before `go`. The child joins its v1 cgroups itself
    // (ChildPlan::cgroup_tasks) either way.
    std::function<Status(pid_t)> join_cgroup;
    // When set, makes the container's cgroups after clone, while the child
    // sets up its namespaces and mounts, and returns the v1 `tasks` files the
    // child writes "0" to when `go` brings them (instead of
    // ChildPlan::cgroup_tasks, opened before clone).
    std::function<Result<std::vector<UniqueFd>>()> make_cgroup;
    std::optional<int> oom_score_adj;
    // linux.netDevices, moved into the child's network namespace before `go`.
    linux_setup::NetDevicesPlan net_devices;
    // linux.intelRdt: resctrl groups whose tasks get the child's pid before `go`.
    std::vector<std::string> resctrl_groups;
    // The state JSON for the child's createContainer and startContainer hooks.
    std::function<std::string(pid_t)> hook_states;
    // prestart + createRuntime, when the child asks (mounts done, before pivot).
    std::function<Status(pid_t)> runtime_hooks;
    // A seccomp notify fd from the child (SCMP_ACT_NOTIFY).
    std::function<Status(pid_t, UniqueFd)> seccomp_listener;
    // Put before the errors the child reports itself: runc says "error during
    // container init" for an init's, nothing for an exec'd process's.
    std::string child_error_context;
};

struct Launched {
    pid_t pid = 0;
    UniqueFd pidfd;  // -1 when the kernel has no pidfds
};

// What the cloned child runs: child_main for a container's init,
// exec_child_main (exec_child.hpp) for a process joining a container.
using ChildEntry = void (*)(ChildPlan&) noexcept;

// Clones the child and drives it until it reports ready (the init: waiting on
// the exec fifo). On failure the child is killed and reaped, and its error is
// returned.
Result<Launched> launch(ChildPlan& plan, const ParentSteps& steps, ChildEntry entry = child_main);

}  // namespace berth::process
