#include "berth/linux/pidfd_socket.hpp"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "berth/util/fd_passing.hpp"

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
    const ssize_t n = send_with_fd(socket, kind.data(), kind.size(), pidfd);
    if (n < 0) return Error::from_errno("send pidfd on the pidfd socket");
    return {};
}

}  // namespace berth::linux_setup
