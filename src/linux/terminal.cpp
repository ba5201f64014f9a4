#include "berth/linux/terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace berth::linux_setup {

Result<UniqueFd> connect_console_socket(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) return Error::msg("console socket path \"" + path + "\" is too long");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    constexpr int kTries = 100;  // 10 ms apart
    for (int attempt = 1;; ++attempt) {
        UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!fd) return Error::from_errno("socket");
        if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) return fd;
        if ((errno != ENOENT && errno != ECONNREFUSED) || attempt == kTries)
            return Error::from_errno("connect console socket \"" + path + "\"");
        ::usleep(10000);
    }
}

namespace {

bool clear_onlcr(int fd) noexcept {
    termios modes{};
    if (::tcgetattr(fd, &modes) != 0) return false;
    modes.c_oflag &= ~static_cast<tcflag_t>(ONLCR);
    return ::tcsetattr(fd, TCSANOW, &modes) == 0;
}

}  // namespace

int open_pty_slave(int master, const oci::Box* size, bool relayed, ChildError& err) noexcept {
    int unlock = 0;
    if (::ioctl(master, TIOCSPTLCK, &unlock) != 0) {
        err.fail(errno, "unlock pty");
        return -1;
    }
    int slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
        err.fail(errno, "open pty slave (TIOCGPTPEER)");
        return -1;
    }
    if (size) {
        winsize ws{};
        ws.ws_row = static_cast<unsigned short>(size->height);
        ws.ws_col = static_cast<unsigned short>(size->width);
        if (::ioctl(slave, TIOCSWINSZ, &ws) != 0) {
            err.fail(errno, "set console size");
            ::close(slave);
            return -1;
        }
    }
    if (relayed && !clear_onlcr(slave)) {
        err.fail(errno, "clear ONLCR on the pty");
        ::close(slave);
        return -1;
    }
    return slave;
}

bool attach_console(int slave, ChildError& err) noexcept {
    for (int target = 0; target <= 2; ++target) {
        if (::dup2(slave, target) < 0) return err.fail(errno, "dup2 console to fd %d", target);
    }
    if (::ioctl(0, TIOCSCTTY, 0) != 0) return err.fail(errno, "set controlling terminal");
    return true;
}

}  // namespace berth::linux_setup
