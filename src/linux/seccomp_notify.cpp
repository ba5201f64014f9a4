#include "berth/linux/seccomp_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "berth/util/fd_passing.hpp"
#include "oci/parser.hpp"

namespace berth::linux_setup {
std::string container_process_state_json(pid_t pid, const oci::State& state, const std::string& metadata) {
    oci::ContainerProcessState document{.ociVersion = oci::kSpecVersion,
                                        .fds = {"seccompFd"},
                                        .pid = pid,
                                        .metadata = metadata.empty() ? std::nullopt : std::optional(metadata),
                                        .state = state};
    return oci::write_container_process_state(document);
}

Status send_to_seccomp_listener(const std::string& listener_path, int notify_fd, const oci::State& state,
                                const std::string& metadata) {
    return send_to_seccomp_listener(listener_path, notify_fd, state.pid, state, metadata);
}

Status send_to_seccomp_listener(const std::string& listener_path, int notify_fd, pid_t pid, const oci::State& state,
                                const std::string& metadata) {
    const std::string where = "seccomp listener \"" + listener_path + "\"";
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (listener_path.size() >= sizeof(addr.sun_path)) return Error::msg(where + ": path too long for a unix socket");
    std::memcpy(addr.sun_path, listener_path.c_str(), listener_path.size() + 1);
    UniqueFd sock(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) return Error::from_errno(where + ": socket");
    // runc's wording, which tests and users match on.
    if (connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0)
        return Error::from_errno("failed to connect with seccomp agent specified in the seccomp profile: " + where +
                                 ": connect");
    const std::string payload = container_process_state_json(pid, state, metadata);
    const ssize_t n = send_with_fd(sock.get(), payload.data(), payload.size(), notify_fd);
    if (n < 0) return Error::from_errno(where + ": send");
    if (static_cast<size_t>(n) != payload.size()) return Error::msg(where + ": short send");
    return {};
}

}  // namespace berth::linux_setup
