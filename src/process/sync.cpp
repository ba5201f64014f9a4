#include "berth/process/sync.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "berth/util/fd_passing.hpp"

namespace berth::process {
namespace {

// After the container's seccomp filter is loaded the child may only make the
// calls the profile allows: an allow-list may lack sendto but never write
// (the process itself needs it). write() can raise SIGPIPE where send() would
// not, which only matters to the child, and only when the parent is gone.
ssize_t send_message(int fd, const SyncMessage& msg) noexcept {
    ssize_t n = ::send(fd, &msg, sizeof(msg), MSG_NOSIGNAL);
    if (n < 0 && (errno == EPERM || errno == ENOSYS || errno == EACCES)) n = ::write(fd, &msg, sizeof(msg));
    return n;
}

}  // namespace

bool send_sync(int fd, SyncType type, ChildError& err) noexcept {
    SyncMessage msg;
    msg.type = type;
    while (send_message(fd, msg) < 0) {
        if (errno != EINTR) return err.fail(errno, "sync with parent: send");
    }
    return true;
}

bool send_sync_error(int fd, const ChildError& error) noexcept {
    SyncMessage msg;
    msg.type = SyncType::error;
    msg.error = error;
    return send_message(fd, msg) == sizeof(msg);
}

bool wait_sync(int fd, SyncType expected, ChildError& err, SyncMessage* received) noexcept {
    SyncMessage local;
    SyncMessage& msg = received ? *received : local;
    for (;;) {
        ssize_t n = ::recv(fd, &msg, sizeof(msg), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return err.fail(errno, "sync with parent: recv");
        if (n == 0) return err.fail(0, "sync with parent: parent went away");
        if (n != sizeof(msg) || msg.type != expected) return err.fail(0, "sync with parent: unexpected message");
        return true;
    }
}

int request_mount_source(int fd, uint32_t index, ChildError& err) noexcept {
    SyncMessage request;
    request.type = SyncType::mount_source;
    request.index = index;
    if (send_message(fd, request) != sizeof(request)) {
        err.fail(errno, "sync with parent: send mount source request");
        return -1;
    }
    SyncMessage answer;
    UniqueFd tree;
    const ssize_t n = receive_with_fd(fd, &answer, sizeof(answer), tree);
    if (n != sizeof(answer) || answer.type != SyncType::mount_source || !tree) {
        err.fail(n < 0 ? errno : 0, "sync with parent: receive mount source");
        return -1;
    }
    return tree.release();
}

bool send_mount_source(int fd, int tree_fd) noexcept {
    SyncMessage answer;
    answer.type = SyncType::mount_source;
    return send_with_fd(fd, &answer, sizeof(answer), tree_fd) == sizeof(answer);
}

ssize_t receive_state(int fd, char* buf, size_t size, int (&fds)[kMaxGoTasks], int& nfds, ChildError& err) noexcept {
    iovec iov{buf, size};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(fds))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n;
    do {
        n = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        (void)err.fail(n < 0 ? errno : 0, "sync with parent: receive state");
        return -1;
    }
    nfds = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        nfds = static_cast<int>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        std::memcpy(fds, CMSG_DATA(c), sizeof(int) * static_cast<size_t>(nfds));
    }
    if (msg.msg_flags & MSG_CTRUNC) {
        (void)err.fail(0, "sync with parent: too many fds with the state");
        return -1;
    }
    if (msg.msg_flags & MSG_TRUNC) {
        (void)err.fail(0, "sync with parent: hook state longer than announced");
        return -1;
    }
    return n;
}

}  // namespace berth::process
