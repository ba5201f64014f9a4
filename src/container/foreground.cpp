#include "berth/container/foreground.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>

#include "berth/util/child_error.hpp"

namespace berth::container {

SignalForwarding::SignalForwarding() {
    sigset_t all;
    sigfillset(&all);
    ::sigprocmask(SIG_BLOCK, &all, &old_);
    fd_.reset(::signalfd(-1, &all, SFD_CLOEXEC));
}

SignalForwarding::~SignalForwarding() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }

namespace {

// Puts our terminal in raw mode while we proxy the container's pty.
class RawTerminal {
public:
    explicit RawTerminal(int fd) : fd_(fd) {
        if (!::isatty(fd) || ::tcgetattr(fd, &saved_) != 0) return;
        termios raw = saved_;
        ::cfmakeraw(&raw);
        active_ = ::tcsetattr(fd, TCSANOW, &raw) == 0;
    }
    ~RawTerminal() {
        if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
    }
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;

private:
    int fd_;
    termios saved_{};
    bool active_ = false;
};

void copy_winsize(int from, int to) {
    winsize ws{};
    if (::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

// Copies what is readable from `from` to `to`; false at EOF/error.
bool pump(int from, int to) {
    char buf[4096];
    ssize_t n = ::read(from, buf, sizeof(buf));
    if (n <= 0) return n < 0 && (errno == EINTR || errno == EAGAIN);
    for (ssize_t off = 0; off < n;) {
        ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return false;
        off += w;
    }
    return true;
}

int exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 255;
}

// Reaps every exited child (we are their subreaper); returns the init's exit
// code once it is among them.
std::optional<int> reap(pid_t init) {
    std::optional<int> code;
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid <= 0) return code;
        if (pid == init) code = exit_code(status);
    }
}

// Copies what the pty still holds once the process exited, without waiting
// for EOF: a background process may keep the slave open for ever.
void drain(int master) {
    pollfd p{master, POLLIN, 0};
    while (::poll(&p, 1, 0) > 0 && (p.revents & POLLIN) && pump(master, 1)) {
    }
}

}  // namespace

Result<UniqueFd> host_console() {
    for (int fd : {2, 1, 0})
        if (::isatty(fd)) return UniqueFd(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    UniqueFd tty(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!tty) {
        char text[64];
        return Error::msg(std::string("open /dev/tty: ") + go_strerror(errno, text, sizeof(text)));  // runc's words
    }
    return tty;
}

Result<int> wait_foreground(pid_t pid, int signals, int master, int console) {
    bool stdin_open = master >= 0;
    std::optional<RawTerminal> raw;
    if (master >= 0) {
        raw.emplace(console);
        copy_winsize(console, master);
    }
    for (;;) {
        pollfd p[3] = {{signals, POLLIN, 0}, {master, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
        if (::poll(p, 3, -1) < 0) {
            if (errno == EINTR) continue;
            return Error::from_errno("poll");
        }
        if (p[1].revents && !pump(master, 1)) master = -1;
        if (p[2].revents && !pump(0, master)) stdin_open = false;
        if (!p[0].revents) continue;
        signalfd_siginfo info{};
        if (::read(signals, &info, sizeof(info)) != sizeof(info)) continue;
        int sig = static_cast<int>(info.ssi_signo);
        if (sig == SIGCHLD) {
            if (auto code = reap(pid)) {
                if (master >= 0) drain(master);
                return *code;
            }
        } else if (sig == SIGWINCH && master >= 0) {
            copy_winsize(console, master);
        } else {
            ::kill(pid, sig);
        }
    }
}


}  // namespace berth::container
