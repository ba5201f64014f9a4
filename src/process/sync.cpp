#include "berth/process/sync.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

bool wait_sync(int fd, SyncType expected, ChildError& err) noexcept {
    SyncMessage msg;
    for (;;) {
        ssize_t n = ::recv(fd, &msg, sizeof(msg), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return err.fail(errno, "sync with parent: recv");
        if (n == 0) return err.fail(0, "sync with parent: parent went away");
        if (n != sizeof(msg) || msg.type != expected) return err.fail(0, "sync with parent: unexpected message");
        return true;
    }
}

namespace {

// One SyncMessage with room for one fd beside it (SCM_RIGHTS).
struct FdMessage {
    SyncMessage msg;
    iovec iov{&msg, sizeof(msg)};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr header{};

    FdMessage() noexcept {
        header.msg_iov = &iov;
        header.msg_iovlen = 1;
        header.msg_control = control;
        header.msg_controllen = sizeof(control);
    }
    FdMessage(const FdMessage&) = delete;
    FdMessage& operator=(const FdMessage&) = delete;
};

}  // namespace

int request_mount_source(int fd, uint32_t index, ChildError& err) noexcept {
    FdMessage answer;
    answer.msg.type = SyncType::mount_source;
    answer.msg.index = index;
    if (send_message(fd, answer.msg) != sizeof(answer.msg)) {
        err.fail(errno, "sync with parent: send mount source request");
        return -1;
    }
    ssize_t n;
    do n = ::recvmsg(fd, &answer.header, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    const cmsghdr* c = n == sizeof(answer.msg) ? CMSG_FIRSTHDR(&answer.header) : nullptr;
    if (!c || answer.msg.type != SyncType::mount_source || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
        c->cmsg_len != CMSG_LEN(sizeof(int))) {
        err.fail(n < 0 ? errno : 0, "sync with parent: receive mount source");
        return -1;
    }
    int tree;
    std::memcpy(&tree, CMSG_DATA(c), sizeof(int));
    return tree;
}

bool send_mount_source(int fd, int tree_fd) noexcept {
    FdMessage answer;
    answer.msg.type = SyncType::mount_source;
    cmsghdr* c = CMSG_FIRSTHDR(&answer.header);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &tree_fd, sizeof(int));
    ssize_t n;
    do n = ::sendmsg(fd, &answer.header, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == sizeof(answer.msg);
}

}  // namespace berth::process
