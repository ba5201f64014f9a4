// Passing a file descriptor over a unix socket (SCM_RIGHTS): the seccomp
// notify fd from the child to berth and from berth to the listener, a pty
// master from the child to the console socket or to berth's own relay.
// The sending side runs in the child too: noexcept, no allocation.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "berth/util/child_error.hpp"
#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"

namespace berth {

// One sendmsg of `payload` with `fd` attached (retried on EINTR). Returns sendmsg's result.
ssize_t send_with_fd(int sock, const void* payload, size_t len, int fd) noexcept;
// `fd` with a one-byte payload; `what` names the fd in the error: `send <what>: ...`.
bool send_fd(int sock, int fd, const char* what, ChildError& err) noexcept;

// One recvmsg into `payload` (retried on EINTR); an fd that came with it lands
// in `fd`, close-on-exec. Returns recvmsg's result.
ssize_t receive_with_fd(int sock, void* payload, size_t len, UniqueFd& fd) noexcept;
// Waits for one fd sent by send_fd(); errors read `receive <what>: ...`.
Result<UniqueFd> receive_fd(int sock, const std::string& what);

}  // namespace berth
