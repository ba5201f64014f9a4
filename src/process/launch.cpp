#include "berth/process/launch.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <optional>
#include <utility>

#include "berth/linux/resctrl.hpp"
#include "berth/linux/rootfs.hpp"
#include "berth/linux/rootless.hpp"
#include "berth/linux/self_protect.hpp"
#include "berth/process/kill_guard.hpp"
#include "berth/process/sync.hpp"
#include "berth/util/fd_passing.hpp"
#include "berth/util/trace.hpp"

namespace berth::process {
namespace {

// clone3, or clone on kernels without it (then CLONE_INTO_CGROUP is not used
// and `into_cgroup` is cleared so the caller joins the cgroup by pid).
pid_t clone_child(unsigned long flags, int cgroup_fd, bool& into_cgroup, int& pidfd) {
    clone_args args{};
    args.flags = flags | CLONE_PIDFD | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0);
    args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    // With CLONE_PARENT the kernel takes the caller's own exit signal (SIGCHLD: it was forked).
    args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
    if (cgroup_fd >= 0) args.cgroup = static_cast<uint64_t>(cgroup_fd);
    long pid = ::syscall(SYS_clone3, &args, sizeof(args));
    into_cgroup = cgroup_fd >= 0;
    if (pid >= 0 || errno != ENOSYS) return static_cast<pid_t>(pid);
    into_cgroup = false;
    pidfd = -1;
    return static_cast<pid_t>(::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
}

// A short-lived helper clones the child where berth itself cannot stand:
//  * rootless, entering the container's pid namespace for clone3 (as
//    pid_for_children) and leaving it again both need CAP_SYS_ADMIN over the
//    namespaces' owners: an unprivileged berth has it over neither, and one
//    in a user namespace (rootless podman runs the runtime in its own) cannot
//    return to its own pid namespace;
//  * with a user namespace joined by path, the new namespaces must be made
//    from inside it (namespaces.hpp), and berth could not come back out.
// The helper joins the namespaces given by path (the child is then born in
// them: they leave the helper's copy of the plan, which the child inherits),
// becomes the user namespace's root (as runc's nsexec), sets
// pid_for_children, clones the child as OUR child (CLONE_PARENT: we wait for
// it and get its exit status), sends us its pid and exits.
bool joins_user_namespace(const linux_setup::NamespacePlan& ns) {
    return !ns.joins.empty() && ns.joins.front().type == oci::NamespaceType::user;
}

bool needs_namespace_helper(const linux_setup::NamespacePlan& ns) {
    if (joins_user_namespace(ns) && ns.clone_flags != 0) return true;
    return ns.join_pid && ns.parent_joins.empty() && linux_setup::rootless_by_default();
}

// The helper's report: the child's pid, or -1 and why.
struct HelperReport {
    pid_t pid = -1;
    ChildError err;
};

bool enter_for_child(linux_setup::NamespacePlan& ns, ChildError& err) noexcept {
    const bool join_user = joins_user_namespace(ns);
    // A pid namespace the host owns is entered before the user namespace, one it owns after.
    const bool pid_first = !ns.join_pid || ::setns(ns.join_pid.get(), CLONE_NEWPID) == 0;
    if (!linux_setup::join_namespace_paths(ns, err)) return false;
    ns.joins.clear();
    if (join_user && (::setresgid(0, 0, 0) != 0 || ::setresuid(0, 0, 0) != 0))
        return err.fail(errno, "become root in the joined user namespace");
    if (!pid_first && ::setns(ns.join_pid.get(), CLONE_NEWPID) != 0) return err.fail(errno, "setns pid namespace");
    return true;
}

[[noreturn]] void run_helper(ChildPlan& plan, unsigned long flags, int cgroup_fd, int report, ChildEntry entry) noexcept {
    HelperReport message;
    if (enter_for_child(plan.namespaces, message.err)) {
        bool into_cgroup = false;
        int pidfd = -1;
        message.pid = clone_child(flags | CLONE_PARENT, cgroup_fd, into_cgroup, pidfd);
        if (message.pid == 0) {
            ::close(report);
            trace::entered_child();
            trace::phase("setup");
            entry(plan);
            ::_exit(1);
        }
        if (message.pid < 0) message.err.fail(errno, "clone container init");
    }
    (void)!::write(report, &message, sizeof(message));
    ::_exit(0);
}

// The child through the helper above: its pid, or why there is none.
Result<pid_t> clone_through_helper(ChildPlan& plan, unsigned long flags, int cgroup_fd, int sync_parent_end,
                                   ChildEntry entry) {
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) return Error::from_errno("pipe");
    pid_t helper = ::fork();
    if (helper < 0) return Error::from_errno("fork the namespace helper");
    if (helper == 0) {
        ::close(report[0]);
        ::close(sync_parent_end);
        run_helper(plan, flags, cgroup_fd, report[1], entry);
    }
    ::close(report[1]);
    HelperReport message;
    message.err.fail(0, "the namespace helper exited without a report");
    (void)!::read(report[0], &message, sizeof(message));
    ::close(report[0]);
    ::waitpid(helper, nullptr, 0);
    if (message.pid < 0) return Error::sys(message.err.err, message.err.message);
    return message.pid;
}

Status send_all(int fd, const void* data, size_t size, const char* what) {
    if (::send(fd, data, size, MSG_NOSIGNAL) != static_cast<ssize_t>(size)) {
        return Error::from_errno(std::string("sync with init: send ") + what);
    }
    return {};
}

// The states are only for the child's createContainer/startContainer hooks.
bool sends_hook_states(const ChildPlan& plan, const ParentSteps& steps) {
    return steps.hook_states && (!plan.create_container_hooks.empty() || !plan.start_container_hooks.empty());
}

// Before clone: room for the states the child will receive (at least the
// lone NUL sent without any). Only the pid in them is not known yet, and the
// largest pid makes the longest text.
void size_state_buffer(ChildPlan& plan, const ParentSteps& steps) {
    const size_t most = sends_hook_states(plan, steps) ? steps.hook_states(std::numeric_limits<pid_t>::max()).size() : 0;
    plan.state_buffer.assign(std::max<size_t>(most, 1), '\0');
}

// One datagram of state, with `fds` attached (SCM_RIGHTS) when there are any.
Status send_state(int sock, std::string_view chunk, const std::vector<UniqueFd>& fds) {
    if (fds.size() > kMaxGoTasks)
        return Error::msg("sync with init: " + std::to_string(fds.size()) + " cgroup hierarchies, at most " +
                          std::to_string(kMaxGoTasks));
    int raw[kMaxGoTasks];
    std::transform(fds.begin(), fds.end(), raw, [](const UniqueFd& fd) { return fd.get(); });
    if (send_with_fds(sock, chunk.data(), chunk.size(), {raw, fds.size()}) != static_cast<ssize_t>(chunk.size()))
        return Error::from_errno("sync with init: send state");
    return {};
}

// `go` with the states' size, then the states in datagrams of at most
// kStateChunk; the first one (a lone NUL without states) carries `tasks`.
Status send_go(int sock, pid_t pid, const ChildPlan& plan, const ParentSteps& steps, const std::vector<UniqueFd>& tasks) {
    const std::string states = sends_hook_states(plan, steps) ? steps.hook_states(pid) : std::string();
    if (states.size() > plan.state_buffer.size()) {
        return Error::msg("hook state of " + std::to_string(states.size()) + " bytes is larger than the " +
                          std::to_string(plan.state_buffer.size()) + " planned for the init");
    }
    SyncMessage go;
    go.type = SyncType::go;
    go.state_size = states.size();
    BERTH_TRY(send_all(sock, &go, sizeof(go), "go"));
    const std::string_view all = states.empty() ? std::string_view("", 1) : std::string_view(states);
    BERTH_TRY(send_state(sock, all.substr(0, kStateChunk), tasks));
    for (size_t sent = kStateChunk; sent < states.size(); sent += kStateChunk)
        BERTH_TRY(send_all(sock, states.data() + sent, std::min(kStateChunk, states.size() - sent), "state"));
    return {};
}

Status write_oom_score_adj(pid_t pid, int value) {
    std::string path = "/proc/" + std::to_string(pid) + "/oom_score_adj";
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    std::string text = std::to_string(value);
    if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        return Error::from_errno("write \"" + path + "\"");
    }
    return {};
}

constexpr const char* kExitedEarly = "container init exited before it was ready";

// How a child that is gone before `ready` ended (its exit status or the
// signal), without reaping it; nullopt while it still runs.
std::optional<Error> early_exit(pid_t pid) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT | WNOHANG) != 0 || info.si_pid != pid) {
        return std::nullopt;
    }
    if (info.si_code == CLD_EXITED) {
        return Error::msg(std::string(kExitedEarly) + " (exit status " + std::to_string(info.si_status) + ")");
    }
    const char* name = ::sigabbrev_np(info.si_status);
    std::string why = "container init was killed by signal " + (name ? std::string(name) : std::to_string(info.si_status)) +
                      " before it was ready";
    // Nothing in berth sends SIGKILL before ready; the kernel's OOM killer does.
    if (info.si_status == SIGKILL) why += " (by the OOM killer if linux.resources.memory.limit is below what the setup needs)";
    return Error::msg(why);
}

// The child closed its end before `ready`: it is exiting. Waits (bounded, in
// case it is not) until it is a zombie to say how.
Error closed_early(pid_t pid, int pidfd) {
    if (pidfd >= 0) {
        pollfd p{pidfd, POLLIN, 0};
        (void)::poll(&p, 1, 1000);
    }
    return early_exit(pid).value_or(Error::msg(kExitedEarly));
}

// One datagram from the child: a SyncMessage, or a one-byte message carrying
// an fd (the seccomp notify fd, see linux/seccomp_notify.hpp).
Result<SyncMessage> receive(int sock, UniqueFd& fd) {
    SyncMessage msg;
    ReceivedMessage got = receive_with_fds(sock, &msg, sizeof(msg), {&fd, 1});
    // A child that dies with our `go` still unread in its socket resets the
    // connection instead of closing it. The kernel reports the reset (once)
    // before the messages queued ahead of it, such as the child's error: read on.
    if (got.size < 0 && errno == ECONNRESET) got = receive_with_fds(sock, &msg, sizeof(msg), {&fd, 1});
    if (got.size == 0 || (got.size < 0 && errno == ECONNRESET)) return Error::msg(kExitedEarly);
    if (got.size < 0) return Error::from_errno("sync with init: receive");
    if (!got.whole()) return Error::msg("sync with init: malformed message");
    if (fd) return msg;  // the fd message; `msg` is irrelevant
    if (got.size != sizeof(msg)) return Error::msg("sync with init: malformed message");
    return msg;
}

// Id maps, cgroups, resctrl groups, oom_score_adj, network devices, then `go`
// (the user process must find its devices there). The child does its mounts up to
// the cgroup ones meanwhile (child.cpp), so it may have failed already.
Status place_and_release(int sock, pid_t pid, const ChildPlan& plan, const ParentSteps& steps, bool into_cgroup) {
    if (plan.namespaces.new_user) BERTH_TRY(linux_setup::write_id_mappings(pid, steps.uid_mappings, steps.gid_mappings));
    std::vector<UniqueFd> tasks;
    if (steps.make_cgroup) {
        BERTH_TRY_ASSIGN(tasks, steps.make_cgroup());
    }
    if (!into_cgroup && steps.join_cgroup) BERTH_TRY(steps.join_cgroup(pid));
    for (const std::string& group : steps.resctrl_groups) BERTH_TRY(linux_setup::write_rdt_task(group, pid));
    if (steps.oom_score_adj) {
        // Below our own value needs CAP_SYS_RESOURCE (rootless has none): say which setting.
        if (Status s = write_oom_score_adj(pid, *steps.oom_score_adj); !s)
            return std::move(s).error().wrap("config.json: process.oomScoreAdj " + std::to_string(*steps.oom_score_adj));
    }
    BERTH_TRY(linux_setup::move_net_devices(steps.net_devices, pid));
    return send_go(sock, pid, plan, steps, tasks);
}

// The error the child reported, errno spelled as Go spells it: runc's init
// and exec errors come from Go, and managers match their text.
Error child_error(const SyncMessage& msg, const ParentSteps& steps) {
    Error error = Error::go_sys(msg.error.err, msg.error.message);
    return steps.child_error_context.empty() ? error : std::move(error).wrap(steps.child_error_context);
}

// A child that failed before `go` makes our next step fail too (no such
// process, broken pipe): its own error, already queued, or how it ended says why.
Status prefer_child_error(int sock, pid_t pid, const ParentSteps& steps, Status status) {
    if (status) return status;
    SyncMessage msg;
    ssize_t n = ::recv(sock, &msg, sizeof(msg), MSG_DONTWAIT);
    if (n < 0 && errno == ECONNRESET) n = ::recv(sock, &msg, sizeof(msg), MSG_DONTWAIT);  // see receive()
    if (n == sizeof(msg) && msg.type == SyncType::error) return child_error(msg, steps);
    if (auto ended = early_exit(pid)) return std::move(*ended);
    return status;
}

// A bind source the child asked for (rootfs.hpp SourceCloner).
Status clone_mount_source(int sock, pid_t pid, const ChildPlan& plan, uint32_t index) {
    const auto& mounts = plan.rootfs.mounts;
    if (!plan.rootfs.parent_clones_sources || index >= mounts.size() || mounts[index].kind != linux_setup::MountKind::bind)
        return Error::msg("sync with init: unexpected mount source request");
    BERTH_TRY_ASSIGN(UniqueFd tree, linux_setup::clone_source_for(pid, mounts[index]));
    if (!send_mount_source(sock, tree.get())) return Error::from_errno("sync with init: send mount source");
    return {};
}

Status drive(int sock, pid_t pid, int pidfd, const ChildPlan& plan, const ParentSteps& steps) {
    for (;;) {
        UniqueFd fd;
        auto received = receive(sock, fd);
        if (!received && received.error().context() == kExitedEarly) return closed_early(pid, pidfd);
        BERTH_TRY_ASSIGN(SyncMessage msg, std::move(received));
        if (fd) {
            if (!steps.seccomp_listener) return Error::msg("unexpected seccomp notify fd from the init");
            BERTH_TRY(steps.seccomp_listener(pid, std::move(fd)));
            continue;
        }
        switch (msg.type) {
            case SyncType::ready: return {};
            case SyncType::error: return child_error(msg, steps);
            case SyncType::mount_source: BERTH_TRY(clone_mount_source(sock, pid, plan, msg.index)); break;
            case SyncType::hooks: {
                if (steps.runtime_hooks) BERTH_TRY(steps.runtime_hooks(pid));
                SyncMessage done;
                done.type = SyncType::hooks_done;
                BERTH_TRY(send_all(sock, &done, sizeof(done), "hooks done"));
                break;
            }
            default: return Error::msg("sync with init: unexpected message");
        }
    }
}

}  // namespace

Result<Launched> launch(ChildPlan& plan, const ParentSteps& steps, ChildEntry entry) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) return Error::from_errno("socketpair");
    UniqueFd parent_end(pair[0]);
    plan.sync.reset(pair[1]);
    size_state_buffer(plan, steps);
    if (linux_setup::exe_mount_fd() >= 0) plan.parent_only_fds.push_back(linux_setup::exe_mount_fd());

    const bool helper = needs_namespace_helper(plan.namespaces);
    linux_setup::ParentNamespaces own_namespaces;
    if (!helper) {
        BERTH_TRY_ASSIGN(own_namespaces, linux_setup::enter_namespaces_for_clone(plan.namespaces));
    }
    bool into_cgroup = steps.cgroup_fd >= 0;
    int pidfd = -1;
    trace::phase("clone");
    pid_t pid = -1;
    if (helper) {
        // A helper that became the root of a user namespace berth (root)
        // joined is an unmapped uid to the host, which may not write the
        // cgroup's files: that child is born outside and placed by pid.
        const int cgroup_fd = joins_user_namespace(plan.namespaces) && ::geteuid() == 0 ? -1 : steps.cgroup_fd;
        into_cgroup = cgroup_fd >= 0;
        BERTH_TRY_ASSIGN(pid, clone_through_helper(plan, plan.namespaces.clone_flags, cgroup_fd, parent_end.get(), entry));
        pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    } else {
        pid = clone_child(plan.namespaces.clone_flags, steps.cgroup_fd, into_cgroup, pidfd);
    }
    if (pid == 0) {
        trace::entered_child();
        trace::phase("setup");
        parent_end.reset();
        entry(plan);
        ::_exit(1);  // entries never return
    }
    int clone_errno = errno;
    Status left = linux_setup::leave_namespaces_for_clone(own_namespaces);
    if (pid < 0) return Error::sys(clone_errno, "clone container init");
    // Armed before any other return: a child is never left behind.
    KillGuard guard(pid);
    Launched launched{pid, UniqueFd(pidfd)};
    BERTH_TRY(std::move(left));
    plan.sync.reset();
    plan.cgroup_tasks.clear();

    trace::phase("placement");
    BERTH_TRY(prefer_child_error(parent_end.get(), pid, steps, place_and_release(parent_end.get(), pid, plan, steps, into_cgroup)));
    // The child closed its copy first thing: this is the last handle, and its
    // grace period passes while the child sets up (self_protect.hpp).
    linux_setup::release_exe_mount();
    trace::phase("sync");
    Status driven = drive(parent_end.get(), pid, launched.pidfd.get(), plan, steps);
    trace::collect_child();
    BERTH_TRY(std::move(driven));
    guard.dismiss();
    return launched;
}

}  // namespace berth::process
