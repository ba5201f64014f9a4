// Passing file descriptors over a unix socket (SCM_RIGHTS): the seccomp
// notify fd from the child to berth and from berth to the listener, a pty
// master from the child to the console socket or to berth's own relay, the
// v1 cgroups' `tasks` files and bind-source trees from berth to the child,
// the fds CRIU hands back. Both sides run in the child too: noexcept, no
// allocation (the control buffer is on the stack).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <span>
#include <string>

#include "berth/util/child_error.hpp"
#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"

namespace berth {

// The most fds one message carries, either way (the kernel allows 253).
inline constexpr size_t kMaxPassedFds = 64;

// One sendmsg of `payload` with `fds` attached (none: a plain message),
// retried on EINTR. Returns sendmsg's result; -1 with EINVAL for more than
// kMaxPassedFds.
ssize_t send_with_fds(int sock, const void* payload, size_t len, std::span<const int> fds) noexcept;
inline ssize_t send_with_fd(int sock, const void* payload, size_t len, int fd) noexcept {
    return send_with_fds(sock, payload, len, {&fd, 1});
}
// `fd` with a one-byte payload; `what` names the fd in the error: `send <what>: ...`.
bool send_fd(int sock, int fd, const char* what, ChildError& err) noexcept;

// What one receive_with_fds brought.
struct ReceivedMessage {
    ssize_t size = -1;       // recvmsg's result: payload bytes, 0 at end of stream, -1 with errno set
    size_t fds = 0;          // how many of the caller's fds were filled
    bool truncated = false;  // MSG_TRUNC: the datagram was longer than the buffer; its rest is lost
    bool fds_lost = false;   // more fds came than the caller had room for: all of them closed, `fds` 0
    // A message that arrived whole (or the end of the stream).
    bool whole() const noexcept { return size >= 0 && !truncated && !fds_lost; }
};

// One recvmsg into `payload` (retried on EINTR). The fds that came with it
// are owned the moment it returns: the first ones land in `fds` (replacing
// what those held), close-on-exec; when more came than `fds` has room for
// (or than kMaxPassedFds, the kernel then drops the rest: MSG_CTRUNC), every
// one is closed and the message says fds_lost. The caller decides what a
// truncated message or lost fds mean; nothing received can leak.
ReceivedMessage receive_with_fds(int sock, void* payload, size_t len, std::span<UniqueFd> fds) noexcept;

// Waits for one fd sent by send_fd(); errors read `receive <what>: ...`.
Result<UniqueFd> receive_fd(int sock, const std::string& what);

}  // namespace berth
