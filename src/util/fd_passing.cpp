#include "berth/util/fd_passing.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace berth {
namespace {

// A message of one buffer with room for one fd (it points into itself: not copyable).
struct OneFdMessage {
    iovec iov;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};

    OneFdMessage(void* data, size_t len) noexcept : iov{data, len} {
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof(control);
    }
    OneFdMessage(const OneFdMessage&) = delete;
    OneFdMessage& operator=(const OneFdMessage&) = delete;
};

}  // namespace

ssize_t send_with_fd(int sock, const void* payload, size_t len, int fd) noexcept {
    OneFdMessage m(const_cast<void*>(payload), len);
    msghdr& msg = m.msg;
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
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

ssize_t receive_with_fd(int sock, void* payload, size_t len, UniqueFd& fd) noexcept {
    OneFdMessage m(payload, len);
    msghdr& msg = m.msg;
    ssize_t n;
    do n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0) return n;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int))) continue;
        int received;
        std::memcpy(&received, CMSG_DATA(c), sizeof(int));
        fd.reset(received);
    }
    return n;
}

Result<UniqueFd> receive_fd(int sock, const std::string& what) {
    char tag = 0;
    UniqueFd fd;
    const ssize_t n = receive_with_fd(sock, &tag, 1, fd);
    if (n < 0) return Error::from_errno("receive " + what);
    if (n != 1 || !fd) return Error::msg("receive " + what + ": the message carried no fd");
    return fd;
}

}  // namespace berth
