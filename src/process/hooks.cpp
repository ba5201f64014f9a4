#include "berth/process/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "berth/util/log.hpp"

namespace berth::process {
namespace {

// What a hook printed, kept for the error message (the start of each stream).
struct Captured {
    char text[160] = {};
    size_t used = 0;
    bool open = true;

    // Reads what is available; returns false at EOF or error.
    void drain(int fd) noexcept {
        char buf[512];
        for (;;) {
            ssize_t n = ::read(fd, buf, sizeof(buf));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                if (n == 0 || errno != EAGAIN) open = false;
                return;
            }
            size_t room = sizeof(text) - 1 - used;
            size_t take = static_cast<size_t>(n) < room ? static_cast<size_t>(n) : room;
            std::memcpy(text + used, buf, take);
            used += take;
        }
    }
};

void close_all(int* fds, size_t count) noexcept {
    for (size_t i = 0; i < count; ++i) {
        if (fds[i] >= 0) ::close(fds[i]);
        fds[i] = -1;
    }
}

// The forked hook process: stdin from `in`, stdout/stderr to the capture pipes,
// no other fd of ours (hooks must not inherit berth's descriptors). When execve
// fails its errno goes to `report` (close-on-exec, so the parent reads EOF on
// success): "fork/exec PATH: No such file or directory" beats "exit status 127".
[[noreturn]] void exec_hook(const char* path, char* const* argv, char* const* envp, int in, int out, int err,
                            int report) noexcept {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::setpgid(0, 0);  // its own group: a timeout kills what the hook started too
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(127);
    if (report != 3 && ::dup3(report, 3, O_CLOEXEC) < 0) ::_exit(127);
    ::syscall(SYS_close_range, 4U, ~0U, 0U);
    ::execve(path, argv, envp);
    int failed = errno;
    (void)!::write(3, &failed, sizeof(failed));
    ::_exit(127);
}

// The state for the hook's stdin, written as the hook reads it: a state
// larger than the socket's buffer goes in several writes, between which the
// hook may fill its stdout and stderr (read in the same loop).
struct StdinFeed {
    std::string_view left;
    int fd;

    bool open() const noexcept { return fd >= 0; }
    // Writes what the socket takes now; closes it when all is written (the
    // hook's EOF) or when the hook closed its end (it need not read it all,
    // as a Go runtime ignores EPIPE on a child's stdin).
    void write() noexcept {
        while (!left.empty()) {
            ssize_t n = ::send(fd, left.data(), left.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) return;
            if (n < 0) break;
            left.remove_prefix(static_cast<size_t>(n));
        }
        close();
    }
    void close() noexcept {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

int64_t now_ms() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

HookPlan::HookPlan(const oci::Hook& hook, HookEnv without_env)
    : path_(hook.path), args_(hook.args), env_(hook.env), has_env_(!hook.env.empty()),
      timeout_seconds_(hook.timeout.value_or(0)) {
    if (env_.empty() && without_env == HookEnv::runtime) {
        for (char** e = environ; e != nullptr && *e != nullptr; ++e) env_.emplace_back(*e);
    }
    if (args_.empty()) args_.push_back(path_);
    for (auto& a : args_) argv_.push_back(a.data());
    argv_.push_back(nullptr);
    for (auto& e : env_) envp_.push_back(e.data());
    envp_.push_back(nullptr);
}

bool HookPlan::run(std::string_view state_json, const char* phase, size_t index, ChildError& err,
                   char* const* default_env) const noexcept {
    char* const* envp = has_env_ || default_env == nullptr ? envp_.data() : default_env;
    // fds: stdin socket pair (a socket, so a hook that exits early cannot
    // SIGPIPE us: MSG_NOSIGNAL), stdout pipe, stderr pipe, execve error pipe.
    int fds[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0 || ::pipe2(fds + 2, O_CLOEXEC) != 0 ||
        ::pipe2(fds + 4, O_CLOEXEC) != 0 || ::pipe2(fds + 6, O_CLOEXEC) != 0) {
        int saved = errno;
        close_all(fds, 8);
        return err.fail(saved, "%s hook #%zu: create pipes", phase, index);
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        int saved = errno;
        close_all(fds, 8);
        return err.fail(saved, "%s hook #%zu: fork", phase, index);
    }
    if (pid == 0) exec_hook(path_.c_str(), argv_.data(), envp, fds[1], fds[3], fds[5], fds[7]);
    ::setpgid(pid, pid);  // also here, so the group exists whichever of us runs first
    ::close(fds[1]);
    ::close(fds[3]);
    ::close(fds[5]);
    ::close(fds[7]);
    StdinFeed in{state_json, fds[0]};
    in.write();
    ::fcntl(fds[2], F_SETFL, O_NONBLOCK);
    ::fcntl(fds[4], F_SETFL, O_NONBLOCK);
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));

    Captured out, errout;
    int64_t deadline = timeout_seconds_ > 0 ? now_ms() + int64_t{timeout_seconds_} * 1000 : -1;
    bool exited = false, timed_out = false;
    while (!exited && pidfd >= 0) {
        pollfd p[4] = {{pidfd, POLLIN, 0},
                       {out.open ? fds[2] : -1, POLLIN, 0},
                       {errout.open ? fds[4] : -1, POLLIN, 0},
                       {in.fd, POLLOUT, 0}};
        int wait = deadline < 0 ? -1 : static_cast<int>(deadline - now_ms() > 0 ? deadline - now_ms() : 0);
        int n = ::poll(p, 4, wait);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) {
            timed_out = true;
            break;
        }
        if (p[1].revents) out.drain(fds[2]);
        if (p[2].revents) errout.drain(fds[4]);
        if (p[3].revents) in.write();
        exited = p[0].revents != 0;
    }
    // The whole group: a background child of a hung hook must not outlive it
    // (runc leaves it, and waits for it to close the hook's stdout).
    if (timed_out) ::kill(-pid, SIGKILL);
    in.close();
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    out.drain(fds[2]);
    errout.drain(fds[4]);
    int exec_errno = 0;
    bool exec_failed = !timed_out && ::read(fds[6], &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno);
    if (pidfd >= 0) ::close(pidfd);
    ::close(fds[2]);
    ::close(fds[4]);
    ::close(fds[6]);

    if (exec_failed) return err.fail(exec_errno, "error running %s hook #%zu: fork/exec %s", phase, index, path_.c_str());

    if (timed_out) {
        return err.fail(0, "error running %s hook #%zu: hook ran past specified timeout of %ds", phase, index,
                        timeout_seconds_);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    char how[48];
    if (WIFSIGNALED(status)) {
        // Go's signal names, as runc prints them: glibc's with a lower-case
        // first letter ("bad system call"), except acronyms ("CPU time ...", "I/O ...").
        char unknown[24];
        const char* name = signal_text(WTERMSIG(status), unknown, sizeof(unknown));
        int n = std::snprintf(how, sizeof(how), "signal: %s", name);
        if (n > 9 && std::islower(static_cast<unsigned char>(how[9]))) how[8] = static_cast<char>(std::tolower(how[8]));
    } else {
        std::snprintf(how, sizeof(how), "exit status %d", WEXITSTATUS(status));
    }
    // runc's text contains "error running hook" (its seccomp.bats matches it); the phase is ours.
    return err.fail(0, "error running %s hook #%zu: error running hook: %s, stdout: %s, stderr: %s", phase, index, how,
                    out.text, errout.text);
}

HookPlans plan_hooks(const std::vector<oci::Hook>& hooks, HookEnv without_env) {
    HookPlans plans;
    plans.reserve(hooks.size());
    for (const auto& h : hooks) plans.emplace_back(h, without_env);
    return plans;
}

bool run_hooks(const HookPlans& hooks, std::string_view state_json, const char* phase, ChildError& err,
               char* const* default_env) noexcept {
    for (size_t i = 0; i < hooks.size(); ++i) {
        if (!hooks[i].run(state_json, phase, i, err, default_env)) return false;
    }
    return true;
}

Status run_hooks(const std::vector<oci::Hook>& hooks, const std::string& state_json, const char* phase) {
    ChildError err;
    if (!run_hooks(plan_hooks(hooks, HookEnv::runtime), state_json, phase, err)) {
        return Error::sys(err.err, err.message);
    }
    return {};
}

void run_hooks_warn(const std::vector<oci::Hook>& hooks, const std::string& state_json, const char* phase) {
    auto plans = plan_hooks(hooks, HookEnv::runtime);
    for (size_t i = 0; i < plans.size(); ++i) {
        ChildError err;
        if (!plans[i].run(state_json, phase, i, err)) log::warn(Error::sys(err.err, err.message).what());
    }
}

}  // namespace berth::process
