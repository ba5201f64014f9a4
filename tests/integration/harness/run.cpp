#include "harness/run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace berth::test {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

void write_file(const std::string& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
    if (!out) throw std::runtime_error("write " + path);
}

// In the forked child: wire up stdio, then exec. Only async-signal-safe calls.
[[noreturn]] void exec_child(char* const* argv, const char* in, const char* out, const char* err) {
    setpgid(0, 0);
    int fds[3] = {open(in, O_RDONLY), open(out, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644),
                  open(err, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644)};
    for (int i = 0; i < 3; ++i) {
        if (fds[i] < 0 || dup2(fds[i], i) < 0) _exit(126);
        if (fds[i] > 2) close(fds[i]);
    }
    // The runtime gets stdio only: whatever else the test runner left open
    // (ctest keeps fds of its own) must not look like a preserved fd.
    syscall(SYS_close_range, 3U, ~0U, 0U);
    execvp(argv[0], argv);
    _exit(127);
}

int status_to_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string RunResult::describe() const {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    std::string how = timed_out ? "timed out" : "exit " + std::to_string(exit_code);
    return "`" + cmd + "` " + how + "\n  stdout: " + out + "\n  stderr: " + err;
}

RunResult run_command(const std::vector<std::string>& argv, const std::string& capture_prefix,
                      const RunOptions& options) {
    RunResult result;
    result.argv = argv;
    result.out_path = capture_prefix + ".out";
    result.err_path = capture_prefix + ".err";
    const std::string in_path = capture_prefix + ".in";
    write_file(in_path, options.stdin_data);

    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    for (const auto& e : options.extra_env) {
        auto eq = e.find('=');
        if (eq == std::string::npos) throw std::invalid_argument("extra_env needs NAME=value: " + e);
    }

    pid_t pid = fork();
    if (pid < 0) fail("fork");
    if (pid == 0) {
        for (const auto& e : options.extra_env) putenv(const_cast<char*>(e.c_str()));
        exec_child(cargv.data(), in_path.c_str(), result.out_path.c_str(), result.err_path.c_str());
    }
    setpgid(pid, pid);  // also from here, so the group exists before any kill below

    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) fail("pidfd_open");
    pollfd pfd{pidfd, POLLIN, 0};
    int ready;
    do {
        ready = poll(&pfd, 1, static_cast<int>(options.timeout.count()));
    } while (ready < 0 && errno == EINTR);
    close(pidfd);
    if (ready == 0) {
        result.timed_out = true;
        kill(-pid, SIGKILL);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) fail("waitpid");
    if (!result.timed_out) result.exit_code = status_to_code(status);
    result.out = read_file(result.out_path);
    result.err = read_file(result.err_path);
    return result;
}

}  // namespace berth::test
