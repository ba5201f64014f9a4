#include "harness/leak_check.hpp"

#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "harness/run.hpp"

namespace fs = std::filesystem;

namespace berth::test {
namespace {

struct MountLine {
    std::string id;
    std::string mount_point;
    std::string fstype;
    std::string line;
};

std::vector<MountLine> read_mountinfo() {
    std::vector<MountLine> mounts;
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);) {
        std::stringstream ss(line);
        MountLine m;
        std::string parent, dev, root, options, field;
        ss >> m.id >> parent >> dev >> root >> m.mount_point >> options;
        while (ss >> field && field != "-") {
        }
        ss >> m.fstype;
        m.line = line;
        mounts.push_back(m);
    }
    return mounts;
}

struct Child {
    pid_t pid;
    char state;
    std::string comm;
};

// Our direct children, from /proc/<pid>/stat ("pid (comm) state ppid ...").
std::vector<Child> children() {
    std::vector<Child> found;
    const pid_t self = getpid();
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const std::string name = entry.path().filename();
        if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
        std::string stat = read_file(entry.path().string() + "/stat");
        auto close_paren = stat.rfind(')');
        if (close_paren == std::string::npos) continue;
        std::stringstream rest(stat.substr(close_paren + 2));
        char state = 0;
        pid_t ppid = 0;
        rest >> state >> ppid;
        if (ppid != self) continue;
        auto open_paren = stat.find('(');
        found.push_back({std::stoi(name), state, stat.substr(open_paren + 1, close_paren - open_paren - 1)});
    }
    return found;
}

// Field 22 of /proc/<pid>/stat (start time in clock ticks) and the state letter;
// empty when the process is gone.
std::pair<std::string, char> start_time_and_state(int pid) {
    std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) return {"", 0};
    std::stringstream rest(stat.substr(close_paren + 2));
    std::string field;
    char state = 0;
    rest >> state;
    for (int i = 4; i <= 22 && rest >> field; ++i) {
    }
    return {field, state};
}

}  // namespace

void isolate_test_process() {
    static bool done = false;
    if (done) return;
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
        throw std::runtime_error(std::string("PR_SET_CHILD_SUBREAPER: ") + std::strerror(errno));
    if (unshare(CLONE_NEWNS) != 0) throw std::runtime_error(std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno));
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        throw std::runtime_error(std::string("make / rprivate: ") + std::strerror(errno));
    done = true;
}

std::vector<std::string> cgroup_mount_points() {
    std::vector<std::string> points;
    for (const auto& m : read_mountinfo())
        if (m.fstype == "cgroup" || m.fstype == "cgroup2") points.push_back(m.mount_point);
    return points;
}

LeakCheck::LeakCheck(std::string state_root, std::string cgroup_parent)
    : state_root_(std::move(state_root)), cgroup_parent_(std::move(cgroup_parent)) {
    for (const auto& m : read_mountinfo()) mount_ids_.emplace(m.id, m.mount_point);
}

void LeakCheck::track(int pid) {
    auto [start, state] = start_time_and_state(pid);
    if (!start.empty()) tracked_.emplace(pid, start);
}

void LeakCheck::reap_exited() {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
}

std::vector<std::string> LeakCheck::leftover_state() const {
    std::vector<std::string> ids;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(state_root_, ec)) {
        // berth's compiled seccomp filter cache outlives containers by design
        // (src/linux/seccomp_cache.cpp); it is no container's state.
        if (entry.path().filename() == "@seccomp-cache") continue;
        ids.push_back(entry.path().filename());
    }
    return ids;
}

void LeakCheck::collect_processes(std::vector<std::string>& leaks) const {
    for (const auto& child : children()) {
        if (child.state == 'Z') continue;  // exited; reaping it is our job as subreaper
        leaks.push_back("process left running: pid " + std::to_string(child.pid) + " (" + child.comm + ")");
        kill(child.pid, SIGKILL);
        waitpid(child.pid, nullptr, 0);
    }
    reap_exited();
    for (const auto& [pid, start] : tracked_) {
        auto [now_start, state] = start_time_and_state(pid);
        if (now_start != start || state == 'Z') continue;  // gone (or exited, or the pid was reused)
        leaks.push_back("container process left running: pid " + std::to_string(pid));
        kill(pid, SIGKILL);
    }
}

void LeakCheck::collect_mounts(std::vector<std::string>& leaks) const {
    auto now = read_mountinfo();
    std::set<std::string> present;
    // Newest first, so nested leaks come off before their parents.
    for (auto it = now.rbegin(); it != now.rend(); ++it) {
        present.insert(it->id);
        if (mount_ids_.count(it->id)) continue;
        leaks.push_back("mount left: " + it->line);
        umount2(it->mount_point.c_str(), MNT_DETACH);
    }
    // A mount the test's namespace copied from the host vanishes when its owner (another test
    // running in parallel, a client test's daemon) removes the mount point on the host: the
    // kernel detaches it in every namespace. Only a mount gone from a point that still exists
    // was unmounted by the runtime under test.
    for (const auto& [id, mount_point] : mount_ids_) {
        std::error_code ec;
        if (!present.count(id) && fs::exists(mount_point, ec))
            leaks.push_back("mount " + id + " at " + mount_point + " that existed before the test is gone");
    }
}

void LeakCheck::collect_cgroups(std::vector<std::string>& leaks) const {
    for (const auto& hierarchy : cgroup_mount_points()) {
        const fs::path parent = hierarchy + cgroup_parent_;
        std::error_code ec;
        if (!fs::is_directory(parent, ec)) continue;
        // Deepest first: a cgroup directory can only be removed once its children are.
        std::vector<fs::path> dirs;
        for (auto it = fs::recursive_directory_iterator(parent, ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec))
            if (it->is_directory(ec) && !it->is_symlink(ec)) dirs.push_back(it->path());
        std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
            return a.string().size() > b.string().size();
        });
        for (const auto& dir : dirs) {
            leaks.push_back("cgroup left: " + dir.string());
            rmdir(dir.c_str());
        }
        // The parent itself is the harness's, created on demand by the runtime.
        rmdir(parent.c_str());
    }
}

}  // namespace berth::test
