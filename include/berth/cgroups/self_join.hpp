// Getting a new process into its cgroups without migrating it by pid.
//
// Writing another process's pid to cgroup.procs takes the kernel's global
// threadgroup lock for writing, and the first writer after a quiet spell waits
// for an RCU grace period (`percpu_down_write` -> `rcu_sync_enter`): 0.2 ms on
// an idle host, tens of ms on a busy one. Two ways around it, used together:
//  * v2: the process is born in its cgroup (clone3 CLONE_INTO_CGROUP);
//  * v1: the single-threaded process moves itself by writing "0" to each
//    hierarchy's `tasks` file, which the kernel does without that lock
//    (commit 9a3284fad42f "cgroup: Optimize single thread migration", also in
//    the 5.4+ stable kernels; without it the lock is taken as before). The
//    permission check uses the credentials of whoever opened the file (the
//    CVE-2021-4197 fix, Linux 5.16 and stable), so the parent opens them and
//    the child, even in a new user namespace, only writes.
#pragma once

#include <string>
#include <vector>

#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"

namespace berth::cgroups {

struct SelfJoin {
    UniqueFd v2_dir;                 // O_PATH of the v2 cgroup among them: clone3's `cgroup`
    std::vector<UniqueFd> v1_tasks;  // each v1 cgroup's `tasks` file, open for writing (O_CLOEXEC)
};

// Opens `dirs`, one cgroup directory per hierarchy, for a process to be born
// in or to join by itself.
Result<SelfJoin> open_self_join(const std::vector<std::string>& dirs);

}  // namespace berth::cgroups
