#include "berth/linux/pidfd_socket.hpp"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace berth::linux_setup {

Result<UniqueFd> connect_pidfd_socket(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) return Error::msg("pidfd socket path \"" + path + "\" is too long");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return Error::from_errno("socket");
    int rc;
    do {
        rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) return Error::from_errno("connect pidfd socket \"" + path + "\"");
    return fd;
}

Status send_pidfd(int socket, pid_t pid, int pidfd, std::string_view kind) {
    UniqueFd opened;
    if (pidfd < 0) {
        opened.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
        // runc's words for a kernel without pidfds.
        if (!opened && errno == ENOSYS) return Error::msg("--pidfd-socket requires >= v5.3 kernel");
        if (!opened) return Error::from_errno("pidfd_open " + std::to_string(pid));
        pidfd = opened.get();
    }
    iovec iov{const_cast<char*>(kind.data()), kind.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control;
    mh.msg_controllen = sizeof(control);
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &pidfd, sizeof(int));
    ssize_t n;
    do {
        n = ::sendmsg(socket, &mh, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Error::from_errno("send pidfd on the pidfd socket");
    return {};
}

}  // namespace berth::linux_setup
