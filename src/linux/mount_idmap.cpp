#include "berth/linux/mount_idmap.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "berth/util/file.hpp"
#include "berth/util/scope_guard.hpp"

namespace berth::linux_setup {
namespace {

std::string format_map(const std::vector<oci::IDMapping>& mappings) {
    std::string text;
    for (const auto& m : mappings)
        text += std::to_string(m.containerID) + ' ' + std::to_string(m.hostID) + ' ' + std::to_string(m.size) + '\n';
    return text;
}

Status write_file(const std::string& path, const std::string& text) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return Error::from_errno("open \"" + path + "\"");
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        return Error::from_errno("write \"" + path + "\"");
    return {};
}

// The helper: unshares a user namespace, reports, waits for the parent to finish
// (EOF on `release_fd`, so the helper's own copies of the parent's ends are closed first).
[[noreturn]] void run_helper(int ready_fd, int release_fd, int parent_ready_fd, int parent_release_fd) {
    ::close(parent_ready_fd);
    ::close(parent_release_fd);
    const char status = ::unshare(CLONE_NEWUSER) == 0 ? 0 : 1;
    (void)!::write(ready_fd, &status, 1);
    char byte;
    (void)!::read(release_fd, &byte, 1);  // returns 0 once the parent closes its end
    ::_exit(0);
}

}  // namespace

Result<UniqueFd> make_idmap_userns(const std::vector<oci::IDMapping>& uid_mappings,
                                   const std::vector<oci::IDMapping>& gid_mappings) {
    int ready[2], release[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) return Error::from_errno("idmap: pipe");
    UniqueFd ready_read(ready[0]), ready_write(ready[1]);
    if (::pipe2(release, O_CLOEXEC) != 0) return Error::from_errno("idmap: pipe");
    UniqueFd release_read(release[0]), release_write(release[1]);

    const pid_t pid = ::fork();
    if (pid < 0) return Error::from_errno("idmap: fork");
    if (pid == 0) run_helper(ready_write.get(), release_read.get(), ready_read.get(), release_write.get());
    ready_write.reset();
    release_read.reset();

    // Reap the helper on every path out of here.
    ScopeGuard reaper([pid, &release_write] {
        release_write.reset();
        int status;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    });

    char status = 1;
    if (::read(ready_read.get(), &status, 1) != 1 || status != 0)
        return Error::msg("idmap: cannot create a user namespace for the mount's mappings");
    const std::string proc = "/proc/" + std::to_string(pid);
    BERTH_TRY(write_file(proc + "/uid_map", format_map(uid_mappings)));
    BERTH_TRY(write_file(proc + "/gid_map", format_map(gid_mappings)));
    UniqueFd ns(::open((proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) return Error::from_errno("open \"" + proc + "/ns/user\"");
    return ns;
}

}  // namespace berth::linux_setup
