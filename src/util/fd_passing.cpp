#include "berth/util/fd_passing.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace berth {
namespace {

// A message of one buffer with room for kMaxPassedFds fds (it points into
// itself: not copyable).
struct FdMessage {
    iovec iov;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxPassedFds)] = {};
    msghdr msg{};

    FdMessage(void* data, size_t len) noexcept : iov{data, len} {
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof(control);
    }
    FdMessage(const FdMessage&) = delete;
    FdMessage& operator=(const FdMessage&) = delete;
};

// Every fd in the message's SCM_RIGHTS into `fds`, or closed when there is
// no room; false when any had to be closed.
bool take_fds(msghdr& msg, std::span<UniqueFd> fds, size_t& taken) noexcept {
    bool all = true;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (taken < fds.size()) {
                fds[taken++].reset(fd);
            } else {
                ::close(fd);
                all = false;
            }
        }
    }
    return all;
}

}  // namespace

ssize_t send_with_fds(int sock, const void* payload, size_t len, std::span<const int> fds) noexcept {
    if (fds.size() > kMaxPassedFds) {
        errno = EINVAL;
        return -1;
    }
    FdMessage m(const_cast<void*>(payload), len);
    msghdr& msg = m.msg;
    if (fds.empty()) {
        msg.msg_control = nullptr;
        msg.msg_controllen = 0;
    } else {
        msg.msg_controllen = CMSG_SPACE(fds.size_bytes());
        cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(fds.size_bytes());
        std::memcpy(CMSG_DATA(cmsg), fds.data(), fds.size_bytes());
    }
    ssize_t n;
    do n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
}

bool send_fd(int sock, int fd, const char* what, ChildError& err) noexcept {
    const char tag = 'S';
    if (send_with_fd(sock, &tag, 1, fd) != 1) return err.fail(errno, "send %s", what);
    return true;
}

ReceivedMessage receive_with_fds(int sock, void* payload, size_t len, std::span<UniqueFd> fds) noexcept {
    FdMessage m(payload, len);
    msghdr& msg = m.msg;
    ReceivedMessage got;
    do got.size = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (got.size < 0 && errno == EINTR);
    if (got.size < 0) return got;
    got.fds_lost = !take_fds(msg, fds, got.fds) || (msg.msg_flags & MSG_CTRUNC);
    if (got.fds_lost) {
        for (size_t i = 0; i < got.fds; ++i) fds[i].reset();
        got.fds = 0;
    }
    got.truncated = (msg.msg_flags & MSG_TRUNC) != 0;
    return got;
}

Result<UniqueFd> receive_fd(int sock, const std::string& what) {
    char tag = 0;
    UniqueFd fd;
    const ReceivedMessage got = receive_with_fds(sock, &tag, 1, {&fd, 1});
    if (got.size < 0) return Error::from_errno("receive " + what);
    if (got.fds_lost) return Error::msg("receive " + what + ": the message carried more than one fd");
    if (got.size != 1 || got.truncated || !fd) return Error::msg("receive " + what + ": the message carried no fd");
    return fd;
}

}  // namespace berth
