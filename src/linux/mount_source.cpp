// clone_source_for(): the parent's half of SourceCloner (rootfs.hpp).
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <string>

#include "berth/linux/mount_apply.hpp"
#include "berth/linux/mount_syscalls.hpp"
#include "berth/linux/rootfs.hpp"

namespace berth::linux_setup {
namespace {

// Back into our own mount namespace and working directory on every path out
// (setns(CLONE_NEWNS) moves both to the namespace's root).
class NamespaceVisit {
public:
    Status enter(pid_t pid) {
        own_.reset(::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
        if (!own_) return Error::from_errno("open \"/proc/self/ns/mnt\"");
        cwd_.reset(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!cwd_) return Error::from_errno("open the working directory");
        const std::string path = "/proc/" + std::to_string(pid) + "/ns/mnt";
        UniqueFd target(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!target) return Error::from_errno("open \"" + path + "\"");
        if (::setns(target.get(), CLONE_NEWNS) != 0) return Error::from_errno("setns \"" + path + "\"");
        entered_ = true;
        return {};
    }
    Status leave() {
        if (!entered_) return {};
        entered_ = false;
        if (::setns(own_.get(), CLONE_NEWNS) != 0) return Error::from_errno("setns back to our own mount namespace");
        if (::fchdir(cwd_.get()) != 0) return Error::from_errno("fchdir back to the working directory");
        return {};
    }
    ~NamespaceVisit() { (void)leave(); }

private:
    UniqueFd own_, cwd_;
    bool entered_ = false;
};

}  // namespace

Result<UniqueFd> clone_source_for(pid_t pid, const PlannedMount& mount) {
    NamespaceVisit visit;
    BERTH_TRY(visit.enter(pid));
    UniqueFd tree(clone_mount(kSystemCalls, AT_FDCWD, mount.source.c_str(), mount.options.recursive_bind));
    const int open_error = errno;
    ChildError err;
    const bool finished = tree && finish_bind_tree(kSystemCalls, mount, tree.get(), err);
    BERTH_TRY(visit.leave());
    if (!tree)
        return Error::sys(open_error, "error mounting \"" + mount.source + "\" to rootfs at \"" + mount.destination +
                                          "\": open_tree");
    if (!finished) return Error::sys(err.err, err.message);
    return tree;
}

}  // namespace berth::linux_setup
