#include "berth/cgroups/self_join.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include <cerrno>

namespace berth::cgroups {
namespace {

// A directory without a `tasks` file: it must be the v2 one.
Result<UniqueFd> open_v2_dir(const std::string& dir) {
    UniqueFd fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return Error::from_errno("open \"" + dir + "\"");
    struct statfs fs {};
    if (::fstatfs(fd.get(), &fs) != 0) return Error::from_errno("statfs \"" + dir + "\"");
    if (fs.f_type != CGROUP2_SUPER_MAGIC) return Error::sys(ENOENT, "open \"" + dir + "/tasks\"");
    return fd;
}

}  // namespace

Result<SelfJoin> open_self_join(const std::vector<std::string>& dirs) {
    SelfJoin join;
    for (const auto& dir : dirs) {
        // v1 first: one open per hierarchy on the start path.
        UniqueFd tasks(::open((dir + "/tasks").c_str(), O_WRONLY | O_CLOEXEC));
        if (tasks) {
            join.v1_tasks.push_back(std::move(tasks));
            continue;
        }
        if (errno != ENOENT) return Error::from_errno("open \"" + dir + "/tasks\"");
        if (join.v2_dir) return Error::msg("two cgroup v2 directories to join: \"" + dir + "\"");
        BERTH_TRY_ASSIGN(join.v2_dir, open_v2_dir(dir));
    }
    return join;
}

}  // namespace berth::cgroups
