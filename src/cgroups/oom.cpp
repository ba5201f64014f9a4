#include "berth/cgroups/oom.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>

#include "berth/cgroups/files.hpp"
#include "berth/cgroups/stats.hpp"

namespace berth::cgroups {

Result<uint64_t> oom_kill_count(const Cgroup& cg) {
    std::string file = cg.layout() == Layout::unified ? cg.unified_dir() + "/memory.events"
                       : cg.v1_dir("memory").empty()  ? std::string()
                                                      : cg.v1_dir("memory") + "/memory.oom_control";
    if (file.empty()) return Error::msg("no memory cgroup controller to count OOM kills");
    BERTH_TRY_ASSIGN(std::string text, read_file(file));
    return parse_flat_keyed(text)["oom_kill"];
}

Result<OomWatcher> OomWatcher::open(const Cgroup& cg) {
    OomWatcher w;
    if (cg.layout() == Layout::unified) {
        w.events_file_ = cg.unified_dir() + "/memory.events";
        w.fd_.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
        if (!w.fd_) return Error::from_errno("inotify_init1");
        if (::inotify_add_watch(w.fd_.get(), w.events_file_.c_str(), IN_MODIFY) < 0)
            return Error::from_errno("inotify_add_watch \"" + w.events_file_ + "\"");
        BERTH_TRY_ASSIGN(std::string text, read_file(w.events_file_));
        w.seen_ = parse_flat_keyed(text)["oom_kill"];
        return w;
    }
    std::string dir = cg.v1_dir("memory");
    if (dir.empty()) return Error::msg("no memory cgroup controller to watch for OOM events");
    w.v1_dir_ = dir;
    w.fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!w.fd_) return Error::from_errno("eventfd");
    std::string control = dir + "/memory.oom_control";
    w.oom_control_.reset(::open(control.c_str(), O_RDONLY | O_CLOEXEC));
    if (!w.oom_control_) return Error::from_errno("open \"" + control + "\"");
    BERTH_TRY(write_file(dir + "/cgroup.event_control",
                         std::to_string(w.fd_.get()) + " " + std::to_string(w.oom_control_.get())));
    return w;
}

Result<uint64_t> OomWatcher::consume() {
    if (events_file_.empty()) {
        uint64_t count = 0;
        if (::read(fd_.get(), &count, sizeof count) != sizeof count)
            return errno == EAGAIN ? uint64_t{0} : Result<uint64_t>(Error::from_errno("read OOM eventfd"));
        if (::access(v1_dir_.c_str(), F_OK) != 0) return Error::from_errno("cgroup \"" + v1_dir_ + "\"");
        return count;
    }
    char buf[4096];
    while (::read(fd_.get(), buf, sizeof buf) > 0) {
    }
    BERTH_TRY_ASSIGN(std::string text, read_file(events_file_));  // ENOENT once the cgroup is gone
    uint64_t now = parse_flat_keyed(text)["oom_kill"];
    uint64_t fresh = now > seen_ ? now - seen_ : 0;
    seen_ = now;
    return fresh;
}

}  // namespace berth::cgroups
