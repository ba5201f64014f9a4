// `exec`: a new process inside a running container, as runc's `exec`.
//
// The process joins every namespace of the container's init that differs
// from ours (opened through /proc/PID of the recorded init, verified by its
// start time), its cgroup (or a sub-cgroup with --cgroup), and gets the
// container's seccomp filter and its own capabilities, rlimits, LSM label,
// no_new_privs, user, cwd and env. In the foreground berth forwards signals,
// relays the pty it allocated (terminal without --console-socket) and
// returns the process's exit status.
#pragma once

#include <string>
#include <vector>

#include "berth/container/exec_process.hpp"
#include "berth/util/result.hpp"

namespace berth::container {

struct ExecOptions {
    std::string root;            // --root
    std::string id;
    std::string process_file;    // --process ("" = from the config and the flags)
    ExecProcessFlags process;    // ignored with --process, as runc
    bool detach = false;
    std::string pid_file;        // "" = none
    std::string console_socket;  // "" = none
    std::string pidfd_socket;    // "" = none: gets the process's pidfd (linux/pidfd_socket.hpp)
    int preserve_fds = 0;
    std::vector<std::string> cgroups;  // --cgroup [controller[,controller]:]path
    bool ignore_paused = false;
    // --rootless (resolved): a cgroup the caller may not move processes into
    // is warned about, not fatal (runc ignores that error when rootless).
    bool rootless = false;
};

// The process's exit status in the foreground, 0 when detached.
Result<int> exec_container(const ExecOptions& options);

}  // namespace berth::container
