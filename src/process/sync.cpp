#include "berth/process/sync.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

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

}  // namespace berth::process
