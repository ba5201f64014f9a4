// Helpers shared by the reliability tests (load, races, bad inputs): forked
// workers (processes, never threads: berth's callers are processes too), host
// accounting before/after, and reading the runtime's one-line error.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "harness/harness.hpp"
#include "harness/leak_check.hpp"
#include "harness/run.hpp"
#include "oci/parser.hpp"

namespace berth::test::reliability {

namespace fs = std::filesystem;

// Forks `count` workers that wait on a common start line, then run
// `work(index)` and exit with its result (0 = fine). Returns each worker's exit
// code (128+signal when one died). The workers share nothing but the files
// they write; gtest assertions must not be used inside `work`.
inline std::vector<int> run_workers(int count, const std::function<int(int)>& work) {
    int gate[2];
    if (pipe(gate) != 0) return std::vector<int>(count, -1);
    std::vector<pid_t> pids;
    for (int i = 0; i < count; ++i) {
        pid_t pid = fork();
        if (pid == 0) {
            close(gate[1]);
            char c;
            while (read(gate[0], &c, 1) < 0) {
            }  // EOF: everyone starts together
            close(gate[0]);
            int code = 1;
            try {
                code = work(i);
            } catch (...) {
                code = 2;
            }
            _exit(code);
        }
        pids.push_back(pid);
    }
    close(gate[0]);
    close(gate[1]);  // go
    std::vector<int> codes;
    for (pid_t pid : pids) {
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) != pid) {
            codes.push_back(-1);
            continue;
        }
        codes.push_back(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    return codes;
}

// Runs every command at the same moment, one worker process each; the results
// come back in order (stdout/stderr re-read from the capture files).
inline std::vector<RunResult> run_concurrently(const std::vector<std::vector<std::string>>& commands,
                                               const std::string& capture_prefix) {
    auto prefix = [&](int i) { return capture_prefix + "-" + std::to_string(i); };
    auto codes = run_workers(static_cast<int>(commands.size()), [&](int i) {
        RunResult r = run_command(commands[static_cast<size_t>(i)], prefix(i));
        return r.timed_out ? 254 : r.exit_code;
    });
    std::vector<RunResult> results;
    for (size_t i = 0; i < commands.size(); ++i) {
        RunResult r;
        r.argv = commands[i];
        r.exit_code = codes[i] == 254 ? -1 : codes[i];
        r.timed_out = codes[i] == 254;
        r.out_path = prefix(static_cast<int>(i)) + ".out";
        r.err_path = prefix(static_cast<int>(i)) + ".err";
        r.out = read_file(r.out_path);
        r.err = read_file(r.err_path);
        results.push_back(std::move(r));
    }
    return results;
}

// What a test can leave on the host, counted before and after.
struct HostCounts {
    std::set<std::string> mounts;  // mount ids in our /proc/self/mountinfo
    int cgroup_dirs = 0;           // directories under the test's cgroup parent, all hierarchies
    int processes = 0;             // our live (non-zombie) children
    int fds = 0;                   // our own open descriptors
    int state_files = 0;           // entries under --root (the seccomp cache excluded: it outlives containers)

    // "" when nothing grew since `before`; otherwise what did. Mounts that
    // vanished are not ours to judge: other people's mounts copied into our
    // namespace disappear when their mount point is removed on the host.
    std::string growth_since(const HostCounts& before) const {
        std::string grew;
        auto note = [&](const char* what, long was, long now) {
            if (now > was) grew += std::string(grew.empty() ? "" : ", ") + what + " " + std::to_string(was) + " -> " + std::to_string(now);
        };
        long new_mounts = 0;
        for (const auto& id : mounts) new_mounts += !before.mounts.count(id);
        note("new mounts", 0, new_mounts);
        note("cgroup dirs", before.cgroup_dirs, cgroup_dirs);
        note("processes", before.processes, processes);
        note("fds", before.fds, fds);
        note("state files", before.state_files, state_files);
        return grew;
    }
};

inline int count_entries(const fs::path& dir, bool dirs_only, const std::string& skip = "") {
    int n = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (!skip.empty() && it->path().filename() == skip) {
            it.disable_recursion_pending();
            continue;
        }
        if (!dirs_only || (it->is_directory(ec) && !it->is_symlink(ec))) ++n;
    }
    return n;
}

inline HostCounts count_host(const std::string& state_root, const std::string& cgroup_parent) {
    LeakCheck::reap_exited();
    HostCounts c;
    std::ifstream mountinfo("/proc/self/mountinfo");
    for (std::string line; std::getline(mountinfo, line);) c.mounts.insert(line.substr(0, line.find(' ')));
    for (const auto& hierarchy : cgroup_mount_points()) c.cgroup_dirs += count_entries(hierarchy + cgroup_parent, true);
    const std::string self = std::to_string(getpid());
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        const std::string stat = read_file(entry.path().string() + "/stat");
        auto paren = stat.rfind(')');
        if (paren == std::string::npos || paren + 4 > stat.size()) continue;
        char state = stat[paren + 2];
        auto ppid_end = stat.find(' ', paren + 4);
        if (state != 'Z' && stat.substr(paren + 4, ppid_end - paren - 4) == self) ++c.processes;
    }
    c.fds = count_entries("/proc/self/fd", false) - 1;  // minus the iterator's own descriptor
    c.state_files = count_entries(state_root, false, "@seccomp-cache");
    return c;
}

// What grew since `before` and stays: a process berth SIGKILLed on its way
// out (a timed-out hook's background child) may still be dying when berth
// exits, so a growth must outlast a few seconds to count.
inline std::string lasting_growth(const HostCounts& before, const std::string& state_root,
                                  const std::string& cgroup_parent) {
    std::string growth = count_host(state_root, cgroup_parent).growth_since(before);
    for (int i = 0; i < 100 && !growth.empty(); ++i) {
        usleep(30 * 1000);
        growth = count_host(state_root, cgroup_parent).growth_since(before);
    }
    return growth;
}

// The message of a failed command's single stderr line: the msg="..." of a
// text log line (unescaped), or the whole line. Empty, with `why` set, when
// stderr is not exactly one line.
inline std::string one_error_line(const RunResult& r, std::string* why = nullptr) {
    std::string err = r.err;
    if (!err.empty() && err.back() == '\n') err.pop_back();
    if (err.empty() || err.find('\n') != std::string::npos) {
        if (why) *why = "stderr is not one line: [" + r.err + "]";
        return "";
    }
    auto start = err.find("msg=\"");
    if (start == std::string::npos) return err;
    std::string msg;
    for (size_t i = start + 5; i < err.size() && err[i] != '"'; ++i) {
        if (err[i] == '\\' && i + 1 < err.size()) ++i;
        msg += err[i];
    }
    return msg;
}

// A bundle directory holding only config.json: `spec` with root.path pointing
// at `rootfs` (an absolute path, shared with other bundles) and `cgroups_path`.
inline std::string write_bundle_sharing_rootfs(const std::string& dir, oci::Spec spec, const std::string& rootfs,
                                              const std::string& cgroups_path) {
    fs::create_directories(dir);
    spec.root->path = rootfs;
    spec.linux->cgroupsPath = cgroups_path;
    std::ofstream(dir + "/config.json", std::ios::trunc) << oci::write_config(spec);
    return dir;
}

}  // namespace berth::test::reliability
