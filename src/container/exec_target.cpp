#include "berth/container/exec_target.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "berth/container/status.hpp"

namespace berth::container {
namespace {

Error stopped() { return Error::msg("cannot exec in a stopped container"); }

struct NsName {
    oci::NamespaceType type;
    const char* proc_name;  // in /proc/PID/ns
};

// The list order: user first (the child joins it between its two passes,
// see namespaces.hpp), mount last (it changes our root and cwd to the
// container's).
constexpr NsName kNamespaces[] = {
    {oci::NamespaceType::user, "user"}, {oci::NamespaceType::ipc, "ipc"},
    {oci::NamespaceType::uts, "uts"},   {oci::NamespaceType::network, "net"},
    {oci::NamespaceType::cgroup, "cgroup"}, {oci::NamespaceType::time, "time"},
    {oci::NamespaceType::pid, "pid"},   {oci::NamespaceType::mount, "mnt"},
};

bool same_namespace(int fd, const std::string& own_path) {
    struct stat theirs {}, ours {};
    return ::fstat(fd, &theirs) == 0 && ::stat(own_path.c_str(), &ours) == 0 && theirs.st_ino == ours.st_ino &&
           theirs.st_dev == ours.st_dev;
}

}  // namespace

Result<ExecTarget> open_exec_target(const Record& record) {
    ExecTarget target;
    target.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, record.pid, 0)));
    if (!target.pidfd) {
        if (errno == ESRCH) return stopped();
        return Error::from_errno("pidfd_open " + std::to_string(record.pid));
    }
    // The pidfd was taken first: if the pid now shows the recorded start
    // time, the pidfd is the container's init.
    if (!init_alive(record)) return stopped();
    std::string dir = "/proc/" + std::to_string(record.pid);
    target.proc_dir.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!target.proc_dir) return stopped();
    // Still alive after the open: the pid was not recycled in between.
    if (::syscall(SYS_pidfd_send_signal, target.pidfd.get(), 0, nullptr, 0) != 0) return stopped();
    return target;
}

Result<linux_setup::NamespacePlan> plan_exec_namespaces(const ExecTarget& target) {
    linux_setup::NamespacePlan plan;
    for (const auto& ns : kNamespaces) {
        std::string rel = std::string("ns/") + ns.proc_name;
        UniqueFd fd(::openat(target.proc_dir.get(), rel.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) {
            // A kernel without this namespace type (time before 5.6).
            if (errno == ENOENT) continue;
            return Error::from_errno("open namespace \"" + rel + "\" of the container's init");
        }
        if (same_namespace(fd.get(), "/proc/self/" + rel)) continue;
        plan.has_[static_cast<size_t>(ns.type)] = true;
        if (ns.type == oci::NamespaceType::pid) {
            plan.join_pid = std::move(fd);
            continue;
        }
        plan.joins.push_back({.type = ns.type,
                              .nstype = linux_setup::clone_flag(ns.type),
                              .path = rel,
                              .fd = std::move(fd)});
    }
    return plan;
}

}  // namespace berth::container
