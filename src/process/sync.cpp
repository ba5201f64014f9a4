#include "berth/process/sync.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "berth/util/fd_passing.hpp"

namespace berth::process {
namespace {

static_assert(kMaxGoTasks <= kMaxPassedFds, "go's tasks files travel in one message");

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
    const ReceivedMessage got = receive_with_fds(fd, &answer, sizeof(answer), {&tree, 1});
    if (!got.whole() || got.size != sizeof(answer) || answer.type != SyncType::mount_source || !tree) {
        err.fail(got.size < 0 ? errno : 0, "sync with parent: receive mount source");
        return -1;
    }
    return tree.release();
}

bool send_mount_source(int fd, int tree_fd) noexcept {
    SyncMessage answer;
    answer.type = SyncType::mount_source;
    return send_with_fd(fd, &answer, sizeof(answer), tree_fd) == sizeof(answer);
}

ssize_t receive_state(int fd, char* buf, size_t size, UniqueFd (&fds)[kMaxGoTasks], size_t& nfds, ChildError& err) noexcept {
    const ReceivedMessage got = receive_with_fds(fd, buf, size, fds);
    nfds = got.fds;
    if (got.size <= 0) {
        (void)err.fail(got.size < 0 ? errno : 0, "sync with parent: receive state");
        return -1;
    }
    if (got.fds_lost) {
        (void)err.fail(0, "sync with parent: too many fds with the state");
        return -1;
    }
    if (got.truncated) {
        (void)err.fail(0, "sync with parent: hook state longer than announced");
        return -1;
    }
    return got.size;
}

}  // namespace berth::process
