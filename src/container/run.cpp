#include "berth/container/run.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include "berth/linux/seccomp_notify.hpp"
#include "berth/util/log.hpp"

namespace berth::container {
namespace {

// Blocks every signal we forward and reads them from a signalfd, so none is
// lost between create and the wait loop. Restored on destruction.
class SignalForwarding {
public:
    SignalForwarding() {
        sigset_t all;
        sigfillset(&all);
        ::sigprocmask(SIG_BLOCK, &all, &old_);
        fd_.reset(::signalfd(-1, &all, SFD_CLOEXEC));
    }
    ~SignalForwarding() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }
    SignalForwarding(const SignalForwarding&) = delete;
    SignalForwarding& operator=(const SignalForwarding&) = delete;
    int fd() const { return fd_.get(); }

private:
    sigset_t old_{};
    UniqueFd fd_;
};

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

Result<int> wait_foreground(const Created& created, int signals, int master) {
    bool stdin_open = master >= 0;
    std::optional<RawTerminal> raw;
    if (master >= 0) {
        raw.emplace(0);
        copy_winsize(0, master);
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
            if (auto code = reap(created.pid)) {
                while (master >= 0 && pump(master, 1)) {
                }
                return *code;
            }
        } else if (sig == SIGWINCH && master >= 0) {
            copy_winsize(0, master);
        } else {
            ::kill(created.pid, sig);
        }
    }
}

}  // namespace

Result<int> run_container(RunOptions options) {
    const std::string& root = options.create.root;
    const std::string& id = options.create.id;
    if (options.detach) {
        BERTH_TRY(create_container(options.create));
        Status started = start_container(root, id);
        if (!started) (void)delete_container(root, id, true);
        BERTH_TRY(std::move(started));
        return 0;
    }
    if (!options.no_subreaper && ::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        return Error::from_errno("set child subreaper");
    }
    SignalForwarding signals;
    // With a terminal and no --console-socket, berth receives the pty master itself.
    UniqueFd master_end;
    if (options.create.console_socket.empty()) {
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return Error::from_errno("socketpair");
        master_end.reset(pair[0]);
        options.create.console_fd.reset(pair[1]);
    }
    BERTH_TRY_ASSIGN(Created created, create_container(options.create));
    UniqueFd master;
    if (created.terminal && master_end) {
        BERTH_TRY_ASSIGN(master, linux_setup::receive_fd(master_end.get()));
    }
    Status started = start_container(root, id);
    Result<int> code = started ? wait_foreground(created, signals.fd(), master.get()) : Result<int>(std::move(started).error());
    if (!options.keep) {
        Status deleted = delete_container(root, id, true);
        if (!deleted) log::warn(deleted.error().what());
    }
    return code;
}

}  // namespace berth::container
