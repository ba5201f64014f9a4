// The steps of the container's init (child.cpp) and of a process joining a
// running container (`exec`, exec_child.cpp): one set, used by both. All run
// in a cloned child: noexcept, no allocation, failures reported through `err`.
//
//   init                                   exec
//   begin_child                            begin_child
//   set_dumpable (until go when rootless)  set_dumpable(false)
//   set_initial_cpus                       set_initial_cpus
//   join_own_cgroups, receive_go,          join_own_cgroups, receive_go (no states),
//     place_on_cpus                          place_on_cpus
//   join_namespaces, become_namespace_root join_namespaces, become_namespace_root
//   setsid, join_session_keyring           setsid, join_session_keyring
//   hostname, rootfs, open_console,        open_console, attach it at once
//     hooks, pivot_root, attach console      (the container's /dev/console is the init's)
//   apply_attributes, set_home             apply_attributes, set_home
//   try_cwd, fix_stdio_owner               try_cwd, fix_stdio_owner
//   mark_fds_cloexec, drop_privileges,     mark_fds_cloexec, drop_privileges,
//     verify_cwd, resolve_executable         verify_cwd, resolve_executable
//   ready, wait for start, start hooks     ready
//   execve                                 execve
#pragma once

#include <cstddef>
#include <string_view>

#include "berth/process/child.hpp"

namespace berth::process {

// Dies with the parent while it drives the setup (PR_SET_PDEATHSIG, cleared
// by the caller once ready), closes plan.parent_only_fds and unblocks every
// signal (run and a foreground exec block them to forward them).
void begin_child(const ChildPlan& plan) noexcept;

// process.execCPUAffinity.initial, first thing (only an exec's plan has one:
// the field is not for the init). A set the kernel refuses fails the exec.
// The final set, or the reset from the caller's affinity to every CPU, is
// place_on_cpus (attributes.hpp), right after the cgroup join and `go`.
bool set_initial_cpus(const ChildPlan& plan, ChildError& err) noexcept;

// Moves this (single-threaded) process into its v1 cgroups by writing "0" to
// each of plan.cgroup_tasks, then closes them (cgroups/self_join.hpp).
bool join_own_cgroups(ChildPlan& plan, ChildError& err) noexcept;

// The state JSON the parent sent: createContainer's, then NUL, then startContainer's.
struct HookStates {
    std::string_view create_container;
    std::string_view start_container;
};
// The parent's `go` and the hook states after it (none for exec) into
// plan.state_buffer; a rootless init stops being dumpable here.
bool receive_go(ChildPlan& plan, HookStates& states, ChildError& err) noexcept;

// In a user namespace (new, or joined first by exec) we are nobody until the
// user switch: become its root first, as runc's nsexec does.
bool become_namespace_root(const ChildPlan& plan, ChildError& err) noexcept;

// A new session keyring named plan.id unless plan.new_keyring is false (tolerates kernels without keyrings).
bool join_session_keyring(const ChildPlan& plan, ChildError& err) noexcept;

// With process.terminal: a pty in the container's devpts, its master sent to
// the console socket; `slave` is the other end (-1 without a terminal).
bool open_console(const ChildPlan& plan, int& slave, ChildError& err) noexcept;

// HOME from the container's passwd when the env has none.
bool set_home(ChildPlan& plan, char* home_env, size_t size, ChildError& err) noexcept;

// Loads plan.seccomp; a notify fd (SCMP_ACT_NOTIFY) goes to the parent over plan.sync.
bool load_filter(const ChildPlan& plan, ChildError& err) noexcept;

// Bounding set, keep-caps, seccomp (without no_new_privs), user switch,
// capabilities, no_new_privs, LSM exec label: in the order the security code requires.
bool drop_privileges(ChildPlan& plan, ChildError& err) noexcept;

// Creates a missing plan.cwd inside plan.rootfs (init only: before the root turns read-only).
bool make_cwd(const ChildPlan& plan, ChildError& err) noexcept;

// runc's two-step cwd: try_cwd before the user switch (EACCES/EPERM leave
// `done` false and are not errors), verify_cwd after it (chdir again when not
// done, then the CVE-2024-21626 check).
bool try_cwd(const ChildPlan& plan, bool& done, ChildError& err) noexcept;
bool verify_cwd(const ChildPlan& plan, bool done, ChildError& err) noexcept;

// runc's fixStdioPermissions, for init and exec alike: stdio not owned by
// `uid` is chowned to it (the gid stays), so the user can use its pty or
// pipes; never a memory device (/dev/null may be the host's, runc issue 3674).
void fix_stdio_owner(uid_t uid) noexcept;

// Every fd above 3 + plan.kept_fds closes at execve.
bool mark_fds_cloexec(const ChildPlan& plan, ChildError& err) noexcept;

// The part both end with, once in the container's filesystem: process
// attributes, HOME, the cwd before and after the user switch, stdio owner,
// fds closed at exec, privileges dropped, the executable found on the
// container's PATH into `exe`.
bool become_process(ChildPlan& plan, char* home_env, size_t home_size, char* exe, size_t exe_size,
                    ChildError& err) noexcept;

}  // namespace berth::process
