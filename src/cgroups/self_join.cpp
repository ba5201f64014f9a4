#include "berth/cgroups/self_join.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>

namespace berth::cgroups {

Result<SelfJoin> open_self_join(const std::vector<std::string>& dirs) {
    SelfJoin join;
    for (const auto& dir : dirs) {
        UniqueFd fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!fd) return Error::from_errno("open \"" + dir + "\"");
        struct statfs fs {};
        if (::fstatfs(fd.get(), &fs) != 0) return Error::from_errno("statfs \"" + dir + "\"");
        if (fs.f_type == CGROUP2_SUPER_MAGIC) {
            if (join.v2_dir) return Error::msg("two cgroup v2 directories to join: \"" + dir + "\"");
            join.v2_dir = std::move(fd);
            continue;
        }
        UniqueFd tasks(::openat(fd.get(), "tasks", O_WRONLY | O_CLOEXEC));
        if (!tasks) return Error::from_errno("open \"" + dir + "/tasks\"");
        join.v1_tasks.push_back(std::move(tasks));
    }
    return join;
}

}  // namespace berth::cgroups
