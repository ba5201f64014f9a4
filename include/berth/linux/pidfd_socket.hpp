// --pidfd-socket (runc 1.2+, on create, run and exec): a manager listening on
// a unix socket receives a pidfd of the container's process (SCM_RIGHTS), so
// it can signal that process without racing pid reuse (runc's
// tests/cmd/pidfd-kill is such a receiver). runc's init opens the pidfd of
// itself and sends it with the text "standard" (an init) or "setns" (an
// exec'd process); a pidfd names the process in every pid namespace, so
// berth's parent sends the one it holds from clone3, before create or exec
// returns.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"

namespace berth::linux_setup {

// Connects to the --pidfd-socket path (before anything is set up, as runc:
// a bad path fails the command early).
Result<UniqueFd> connect_pidfd_socket(const std::string& path);

// Sends the pidfd of `pid` (`pidfd`, or one opened now when clone3 gave none)
// with `kind` ("standard" or "setns") as the message.
Status send_pidfd(int socket, pid_t pid, int pidfd, std::string_view kind);

}  // namespace berth::linux_setup
