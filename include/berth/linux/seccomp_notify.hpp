// Handing the seccomp notify fd to the `listenerPath` agent (SCMP_ACT_NOTIFY).
//
// The child cannot reach the listener itself: listenerPath is a host path and
// the child already lives in the container's mount namespace. So (as runc
// does) the child passes the fd returned by load_seccomp() to the parent over
// the sync socketpair, and the parent connects to the listener and sends it
// with SCM_RIGHTS together with the containerProcessState JSON of
// runtime-spec config-linux.md:
//   {"ociVersion":..., "fds":["seccompFd"], "pid":N, "metadata":..., "state":{...}}
#pragma once

#include <sys/types.h>

#include <string>

#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::linux_setup {

// The child sends the notify fd with send_fd() (util/fd_passing.hpp).

// The containerProcessState document: `pid` is the process that loaded the
// filter (the init for create, the new process for exec), `state` the container's.
std::string container_process_state_json(pid_t pid, const oci::State& state, const std::string& metadata);
// Parent: connects to the unix socket `listener_path` and sends the state plus
// `notify_fd` in one message. Errors read `seccomp listener "<path>": ...`.
Status send_to_seccomp_listener(const std::string& listener_path, int notify_fd, pid_t pid, const oci::State& state,
                                const std::string& metadata);
// The same for the container's init (pid = state.pid).
Status send_to_seccomp_listener(const std::string& listener_path, int notify_fd, const oci::State& state,
                                const std::string& metadata);

}  // namespace berth::linux_setup
