// berth ps: lists the processes of a container.
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstdio>

#include "berth/container/lifecycle.hpp"
#include "berth/cli/commands.hpp"
#include "berth/util/fd.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"format", "f", FlagKind::String, "select one of: table or json", "table"},
};

std::vector<std::string_view> fields(std::string_view line) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && line[i] == ' ') ++i;
        size_t j = i;
        while (j < line.size() && line[j] != ' ') ++j;
        if (j > i) out.push_back(line.substr(i, j - i));
        i = j;
    }
    return out;
}

// Runs ps(1) with `args` and returns its stdout and stderr together, as runc does.
Result<std::string> run_ps(const std::vector<std::string>& args) {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) return Error::from_errno("pipe");
    UniqueFd read_end(pipefd[0]), write_end(pipefd[1]);
    std::vector<char*> argv;
    std::string ps = "ps";
    argv.push_back(ps.data());
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return Error::from_errno("fork");
    if (pid == 0) {
        ::dup2(write_end.get(), STDOUT_FILENO);
        ::dup2(write_end.get(), STDERR_FILENO);
        ::execvp("ps", argv.data());
        _exit(127);
    }
    write_end.reset();
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(read_end.get(), buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && out.empty())
        return Error::msg("exec: \"ps\": executable file not found in $PATH");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return Error::msg("exit status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) +
                          ": " + out);
    return out;
}

Result<int> print_table(const std::vector<pid_t>& pids, const std::vector<std::string>& ps_args) {
    BERTH_TRY_ASSIGN(std::string out, run_ps(ps_args.empty() ? std::vector<std::string>{"-ef"} : ps_args));
    std::vector<std::string_view> lines;
    for (size_t pos = 0; pos < out.size();) {
        size_t end = out.find('\n', pos);
        if (end == std::string::npos) end = out.size();
        lines.push_back(std::string_view(out).substr(pos, end - pos));
        pos = end + 1;
    }
    if (lines.empty()) return Error::msg("couldn't find PID field in ps output");
    auto header = fields(lines[0]);
    auto pid_column = std::find(header.begin(), header.end(), "PID");
    if (pid_column == header.end()) return Error::msg("couldn't find PID field in ps output");
    size_t index = static_cast<size_t>(pid_column - header.begin());
    std::printf("%.*s\n", static_cast<int>(lines[0].size()), lines[0].data());
    for (size_t i = 1; i < lines.size(); ++i) {
        auto f = fields(lines[i]);
        if (f.empty()) continue;
        if (index >= f.size()) return Error::msg("unable to parse pid: " + std::string(lines[i]));
        pid_t pid = 0;
        auto [ptr, ec] = std::from_chars(f[index].data(), f[index].data() + f[index].size(), pid);
        if (ec != std::errc() || ptr != f[index].data() + f[index].size())
            return Error::msg("unable to parse pid: strconv.Atoi: parsing \"" + std::string(f[index]) +
                              "\": invalid syntax");
        if (std::find(pids.begin(), pids.end(), pid) != pids.end())
            std::printf("%.*s\n", static_cast<int>(lines[i].size()), lines[i].data());
    }
    return 0;
}

Result<int> run_ps_command(const Invocation& inv) {
    BERTH_TRY_ASSIGN(std::vector<pid_t> pids, container::container_pids(inv.global.root, inv.args[0]));
    std::string format = inv.flags.get_string("format");
    if (format == "json") {
        // Go encodes an empty (nil) pid list as null; containerd accepts both.
        std::string out = pids.empty() ? "null" : "[";
        for (size_t i = 0; i < pids.size(); ++i) out += std::to_string(pids[i]) + (i + 1 < pids.size() ? "," : "]");
        std::printf("%s\n", out.c_str());
        return 0;
    }
    if (format != "table") return Error::msg("invalid format option");
    return print_table(pids, std::vector<std::string>(inv.args.begin() + 1, inv.args.end()));
}

}  // namespace

const Command kPsCommand = {
    .name = "ps",
    .summary = "ps displays the processes running inside a container",
    .args_usage = "<container-id> [ps options]",
    .description = {},
    .flags = kFlags,
    .arg_count = ArgCount::at_least(1),
    // Arguments after the container id are ps(1) options: `berth ps ID -ef`.
    .order = ArgOrder::FlagsFirst,
    .run = run_ps_command,
};
}  // namespace berth::cli
