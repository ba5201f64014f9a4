#include "berth/container/exec_cgroup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "berth/linux/path_in_root.hpp"
#include "berth/util/fd.hpp"

namespace berth::container {
namespace {

// `dir` + `sub`, refused when the result is not below `dir` (Go's path.Join
// then a prefix check, as runc).
Result<std::string> sub_dir(const std::string& dir, const std::string& sub) {
    // Cleaned as an absolute path below `dir`: ".." can only climb up to it.
    std::string joined = clean_path(dir + "/" + sub);
    if (!joined.starts_with(dir)) return Error::msg(sub + " is not a sub cgroup path");
    return joined;
}

}  // namespace

Result<std::map<std::string, std::string>> parse_sub_cgroups(const std::vector<std::string>& args) {
    std::map<std::string, std::string> subs;
    for (const auto& arg : args) {
        size_t colon = arg.find(':');
        if (colon != std::string::npos && arg.find(':', colon + 1) != std::string::npos) {
            return Error::msg("invalid --cgroup argument: " + arg);
        }
        if (colon == std::string::npos) {
            if (args.size() != 1) return Error::msg("invalid --cgroup argument: " + arg + " (missing <controller>: prefix)");
            subs[""] = arg;
            continue;
        }
        std::string controllers = arg.substr(0, colon);
        for (size_t start = 0;;) {
            size_t comma = controllers.find(',', start);
            subs[controllers.substr(start, comma - start)] = arg.substr(colon + 1);
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    return subs;
}

Result<std::vector<std::string>> exec_cgroup_dirs(const cgroups::Cgroup& cgroup,
                                                  const std::map<std::string, std::string>& subs) {
    std::vector<std::string> dirs = cgroup.dirs();
    if (auto all = subs.find(""); all != subs.end()) {
        for (auto& dir : dirs) {
            BERTH_TRY_ASSIGN(dir, sub_dir(dir, all->second));
        }
        return dirs;
    }
    for (const auto& [controller, sub] : subs) {
        std::string dir = controller == "unified" ? cgroup.unified_dir() : cgroup.v1_dir(controller);
        if (dir.empty()) return Error::msg("unknown controller " + controller + " in SubCgroupPaths");
        BERTH_TRY_ASSIGN(std::string joined, sub_dir(dir, sub));
        std::replace(dirs.begin(), dirs.end(), dir, joined);
    }
    return dirs;
}

Status join_cgroup_dirs(const std::vector<std::string>& dirs, pid_t pid) {
    std::string value = std::to_string(pid);
    for (const auto& dir : dirs) {
        std::string procs = dir + "/cgroup.procs";
        UniqueFd fd(::open(procs.c_str(), O_WRONLY | O_CLOEXEC));
        if (!fd || ::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
            return Error::go_sys(errno, "adding pid " + value + " to cgroups: write " + procs);
        }
    }
    return {};
}

}  // namespace berth::container
