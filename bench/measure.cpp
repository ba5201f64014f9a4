// berth-measure: the timer of bench/run-bench.sh. Runs a command (or N copies
// of it at once) and prints one line "<wall_us> <peak_rss_kib> <failures> <cpu_us>".
//
//   berth-measure [--parallel N] [--log FILE] -- CMD [ARG...]
//
// With --parallel, "%i" in an argument becomes the copy's index (distinct
// container ids). The peak RSS is the largest ru_maxrss that wait4 reports for
// a copy; the CPU time is user + system of the copies and every descendant they
// waited for (the container's process too), which a loaded host disturbs less
// than the wall time. Why a program and not bash or /usr/bin/time: the kernel counts the
// RSS a child had before execve in its ru_maxrss, so the spawner must be small
// (this one is static and spawns with vfork semantics), and the wall time must
// not include a shell's fork.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

extern char** environ;

namespace {

[[noreturn]] void usage() {
    std::fputs("usage: berth-measure [--parallel N] [--log FILE] -- CMD [ARG...]\n", stderr);
    std::exit(2);
}

long long now_us() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

std::string with_index(const std::string& arg, int index) {
    std::string out = arg;
    for (size_t at = out.find("%i"); at != std::string::npos; at = out.find("%i", at))
        out.replace(at, 2, std::to_string(index));
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    int copies = 1;
    const char* log = "/dev/null";
    int i = 1;
    for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
        if (std::strcmp(argv[i], "--parallel") == 0 && i + 1 < argc) {
            copies = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--log") == 0 && i + 1 < argc) {
            log = argv[++i];
        } else {
            usage();
        }
    }
    if (i + 1 >= argc || copies < 1) usage();
    const std::vector<std::string> command(argv + i + 1, argv + argc);

    // The runtimes' stdout is not measured; their stderr goes to the log.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_APPEND | O_CREAT, 0644);

    // Argument vectors are built before the clock starts.
    std::vector<std::vector<std::string>> args(copies);
    std::vector<std::vector<char*>> argvs(copies);
    for (int c = 0; c < copies; ++c) {
        for (const auto& arg : command) args[c].push_back(with_index(arg, c));
        for (auto& arg : args[c]) argvs[c].push_back(arg.data());
        argvs[c].push_back(nullptr);
    }

    int failures = 0;
    long peak_rss = 0;
    long long cpu = 0;
    const long long start = now_us();
    int running = 0;
    for (int c = 0; c < copies; ++c) {
        pid_t pid = 0;
        if (posix_spawnp(&pid, argvs[c][0], &actions, nullptr, argvs[c].data(), environ) != 0) {
            ++failures;
            continue;
        }
        ++running;
    }
    for (; running > 0; --running) {
        int status = 0;
        rusage usage{};
        if (wait4(-1, &status, 0, &usage) < 0) break;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
        if (usage.ru_maxrss > peak_rss) peak_rss = usage.ru_maxrss;
        cpu += usage.ru_utime.tv_sec * 1000000LL + usage.ru_utime.tv_usec + usage.ru_stime.tv_sec * 1000000LL +
               usage.ru_stime.tv_usec;
    }
    const long long wall = now_us() - start;
    std::printf("%lld %ld %d %lld\n", wall, peak_rss, failures, cpu);
    return 0;
}
