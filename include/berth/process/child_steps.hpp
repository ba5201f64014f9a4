// The steps of child_main (child.cpp) that a process joining an existing
// container (`exec`, process/exec_child.hpp) takes too. All run in a cloned
// child: noexcept, no allocation, failures reported through `err`.
#pragma once

#include "berth/process/child.hpp"

namespace berth::process {

// Moves this (single-threaded) process into its v1 cgroups by writing "0" to
// each of plan.cgroup_tasks, then closes them (cgroups/self_join.hpp).
bool join_own_cgroups(ChildPlan& plan, ChildError& err) noexcept;

// A new session keyring named plan.id unless plan.new_keyring is false (tolerates kernels without keyrings).
bool join_session_keyring(const ChildPlan& plan, ChildError& err) noexcept;

// Loads plan.seccomp; a notify fd (SCMP_ACT_NOTIFY) goes to the parent over plan.sync.
bool load_filter(const ChildPlan& plan, ChildError& err) noexcept;

// Bounding set, keep-caps, seccomp (without no_new_privs), user switch,
// capabilities, no_new_privs, LSM exec label: in the order the security code requires.
bool drop_privileges(ChildPlan& plan, ChildError& err) noexcept;

// Creates a missing plan.cwd inside plan.rootfs (init only: before the root turns read-only).
bool make_cwd(const ChildPlan& plan, ChildError& err) noexcept;

// chdir to plan.cwd, which must then resolve inside the container (CVE-2024-21626).
bool enter_cwd(const ChildPlan& plan, ChildError& err) noexcept;

// runc's two-step cwd: try_cwd before the user switch (EACCES/EPERM leave
// `done` false and are not errors), verify_cwd after it (chdir again when not
// done, then the CVE-2024-21626 check).
bool try_cwd(const ChildPlan& plan, bool& done, ChildError& err) noexcept;
bool verify_cwd(const ChildPlan& plan, bool done, ChildError& err) noexcept;

// chown stdio (except the host's /dev/null) to `uid` before the user switch, as runc's fixStdioPermissions.
void fix_stdio_owner(uid_t uid) noexcept;

// Every fd above 3 + plan.kept_fds closes at execve.
bool mark_fds_cloexec(const ChildPlan& plan, ChildError& err) noexcept;

}  // namespace berth::process
