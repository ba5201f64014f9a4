#include "berth/process/sync.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace berth::process {

bool send_sync(int fd, SyncType type, ChildError& err) noexcept {
    SyncMessage msg;
    msg.type = type;
    while (::send(fd, &msg, sizeof(msg), MSG_NOSIGNAL) < 0) {
        if (errno != EINTR) return err.fail(errno, "sync with parent: send");
    }
    return true;
}

bool send_sync_error(int fd, const ChildError& error) noexcept {
    SyncMessage msg;
    msg.type = SyncType::error;
    msg.error = error;
    return ::send(fd, &msg, sizeof(msg), MSG_NOSIGNAL) == sizeof(msg);
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
