// A container's status, derived from the live process every time (never
// trusted from state.json): the recorded pid must still exist with the
// recorded start time, so a recycled pid is never taken for the container.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "berth/container/record.hpp"
#include "berth/container/state_dir.hpp"
#include "oci/spec.hpp"

namespace berth::container {

enum class ContainerStatus { creating, created, running, paused, stopped };

const char* to_string(ContainerStatus status);

// Start time (clock ticks since boot, field 22 of /proc/PID/stat) of a live,
// non-zombie process; nullopt when it is gone or a zombie.
std::optional<uint64_t> process_start_time(pid_t pid);

// True while the recorded init is alive (not a zombie) and is the same process.
bool init_alive(const Record& record);

// SIGKILL the recorded init and wait until it is dead (it is not our child: a
// pidfd turns readable when it exits). Nothing when it is already gone;
// `container init still running` when it outlives 10 s (runc's limit).
Status kill_and_wait(const Record& record);

// stopped, created (the exec fifo is there), paused or running (the cgroup's
// freezer). A freezer that cannot be read is an error, as in runc: neither
// paused nor running can be told then.
Result<ContainerStatus> derive_status(const ContainerDir& dir, const Record& record);

// What a command does to a container, for the one table of which status
// allows what (runc's state objects: createdState, runningState, ...).
enum class Operation {
    start,
    pause,
    resume,
    update,
    exec,         // exec --ignore-paused
    exec_strict,  // exec without --ignore-paused: not into a paused container
    events,
    delete_,      // delete without --force
    checkpoint,
};

// {} when `op` is allowed in `status`, else runc's refusal text (managers
// match some of them). `id` names the container where runc's text does.
Status check_allowed(Operation op, ContainerStatus status, const std::string& id);

// The runtime-spec state `berth state` prints (runc's shape: a stopped
// container shows pid 0).
oci::State to_oci_state(const Record& record, ContainerStatus status);

}  // namespace berth::container
