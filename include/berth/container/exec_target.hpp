// The running init an `exec` joins, pinned so a recycled pid can never be
// mistaken for it: a pidfd taken before the start time check, /proc/PID
// opened while the pidfd shows the process alive (so it is the same one).
#pragma once

#include "berth/container/record.hpp"
#include "berth/linux/namespaces.hpp"
#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"

namespace berth::container {

struct ExecTarget {
    UniqueFd pidfd;
    UniqueFd proc_dir;  // /proc/PID of the init, O_DIRECTORY
};

// Error `cannot exec in a stopped container` when the init is gone.
Result<ExecTarget> open_exec_target(const Record& record);

// Every namespace of the init that differs from ours, to join: user first,
// mount last, pid as join_pid (launch() enters it around clone3).
Result<linux_setup::NamespacePlan> plan_exec_namespaces(const ExecTarget& target);

}  // namespace berth::container
