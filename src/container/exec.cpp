#include "berth/container/exec.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>

#include "berth/cgroups/manager.hpp"
#include "berth/container/exec_cgroup.hpp"
#include "berth/container/exec_target.hpp"
#include "berth/container/foreground.hpp"
#include "berth/container/record.hpp"
#include "berth/container/state_dir.hpp"
#include "berth/container/status.hpp"
#include "berth/linux/pidfd_socket.hpp"
#include "berth/linux/seccomp_notify.hpp"
#include "berth/util/fd_passing.hpp"
#include "berth/linux/terminal.hpp"
#include "berth/process/attributes.hpp"
#include "berth/process/exec_child.hpp"
#include "berth/process/launch.hpp"
#include "berth/util/trace.hpp"
#include "berth/process/plan.hpp"
#include "berth/util/log.hpp"
#include "berth/process/kill_guard.hpp"
#include "oci/parser.hpp"

namespace berth::container {
namespace {

Status check_status(const ContainerDir& dir, const Record& record, bool ignore_paused) {
    BERTH_TRY_ASSIGN(ContainerStatus status, derive_status(dir, record));
    return check_allowed(ignore_paused ? Operation::exec : Operation::exec_strict, status, record.id);
}

struct Running {
    Record record;
    oci::Spec config;  // saved by create (record.hpp), not the bundle's current one
};

// The record and config of a container we may exec into. The lock is only
// held while reading: an exec into a paused container (--ignore-paused) waits
// in the frozen cgroup until `resume`, which needs the lock. The init is
// pinned by pidfd later (exec_target.hpp), so a concurrent delete cannot
// redirect us.
Result<Running> load_running(const ExecOptions& options) {
    BERTH_TRY_ASSIGN(ContainerDir dir, lock_container_dir(options.root, options.id));
    Running running;
    BERTH_TRY_ASSIGN(running.record, load_record(dir));
    BERTH_TRY(check_status(dir, running.record, options.ignore_paused));
    BERTH_TRY_ASSIGN(running.config, load_saved_config(dir));
    if (!running.config.linux) return Error::msg("config.json: linux: missing");
    if (!running.config.process) running.config.process.emplace();
    return running;
}

Result<oci::Process> exec_process(const ExecOptions& options, const oci::Spec& config) {
    if (!options.process_file.empty()) return exec_process_from_file(options.process_file);
    return exec_process_from_flags(*config.process, options.process);
}

Result<std::unique_ptr<process::ChildPlan>> plan_exec(const oci::Spec& spec, const ExecOptions& options,
                                                      const ExecTarget& target, UniqueFd console_socket,
                                                      bool relayed_console) {
    const oci::Process& process = *spec.process;
    auto plan = std::make_unique<process::ChildPlan>();
    plan->id = options.id;
    BERTH_TRY_ASSIGN(plan->namespaces, plan_exec_namespaces(target));
    // After joining the mount namespace our root is the container's.
    plan->rootfs.rootfs = "/";
    process::PlanOptions security;
    security.state_root = options.root;
    BERTH_TRY(process::plan_security(spec, security, *plan));
    BERTH_TRY_ASSIGN(plan->attributes, process::plan_attributes(process, &*spec.linux, process::ProcessRole::exec));
    BERTH_TRY_ASSIGN(plan->identity, process::plan_identity(process.user));
    plan->terminal = process.terminal;
    plan->console_size = process.consoleSize;
    plan->console_socket = std::move(console_socket);
    plan->relayed_console = relayed_console;
    plan->kept_fds = options.preserve_fds;
    process::drop_inherited_fds(*plan);
    plan->cwd = process.cwd;
    process::flatten_exec(plan->exec, process, {});
    return plan;
}

// `join`: what the process joins by itself (cgroups/self_join.hpp), or an
// error when that could not be prepared (a missing sub-cgroup): then the join
// by pid after clone fails, with runc's message.
process::ParentSteps parent_steps(const oci::Spec& spec, const Record& record, const std::vector<std::string>& cgroup_dirs,
                                  const Result<cgroups::SelfJoin>& join, bool rootless) {
    process::ParentSteps steps;
    steps.cgroup_fd = join ? join->v2_dir.get() : -1;
    if (rootless) {
        // Moving a process needs write access to the common ancestor of its
        // old and new cgroups, which an unprivileged caller outside its own
        // delegated subtree (a user manager's) lacks: joined by pid, best
        // effort. Said under --debug only: runc is silent, and the exec'd
        // process's stderr is often the caller's output.
        steps.join_cgroup = [&cgroup_dirs](pid_t pid) {
            if (Status joined = join_cgroup_dirs(cgroup_dirs, pid); !joined)
                log::debug("rootless: the process stays outside the container's cgroup: " + joined.error().what());
            return Status{};
        };
    } else if (!join || join->v2_dir) {
        steps.join_cgroup = [&cgroup_dirs](pid_t pid) { return join_cgroup_dirs(cgroup_dirs, pid); };
    }
    steps.oom_score_adj = spec.process->oomScoreAdj;
    if (!record.rdt_group.empty()) steps.resctrl_groups = {record.rdt_group};  // as runc: not the MON group
    const oci::Linux& linux = *spec.linux;
    if (linux.seccomp && linux.seccomp->listenerPath) {
        const oci::Seccomp& seccomp = *linux.seccomp;
        steps.seccomp_listener = [&seccomp, &record](pid_t, UniqueFd fd) {
            return linux_setup::send_to_seccomp_listener(*seccomp.listenerPath, fd.get(),
                                                         to_oci_state(record, ContainerStatus::running),
                                                         seccomp.listenerMetadata.value_or(""));
        };
    }
    return steps;
}

// Where the pty master goes: the caller's --console-socket, or (foreground
// without one) a socketpair whose other end we keep to relay the pty.
struct Console {
    UniqueFd child_end;
    UniqueFd relay_end;
};

Result<Console> console_for(const oci::Process& process, const ExecOptions& options) {
    Console console;
    if (!process.terminal) return console;
    if (!options.console_socket.empty()) {
        BERTH_TRY_ASSIGN(console.child_end, linux_setup::connect_console_socket(options.console_socket));
        return console;
    }
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return Error::from_errno("socketpair");
    console.relay_end.reset(pair[0]);
    console.child_end.reset(pair[1]);
    return console;
}

}  // namespace

Result<int> exec_container(const ExecOptions& options) {
    trace::phase("parse");
    BERTH_TRY(process::check_inherited_fds(0, options.preserve_fds));
    BERTH_TRY_ASSIGN(Running running, load_running(options));
    const Record& record = running.record;
    oci::Spec& spec = running.config;
    BERTH_TRY_ASSIGN(oci::Process process, exec_process(options, spec));
    BERTH_TRY(process::check_console_socket(process.terminal, options.detach, !options.console_socket.empty()));
    spec.process = std::move(process);
    BERTH_TRY_ASSIGN(ExecTarget target, open_exec_target(record));
    BERTH_TRY_ASSIGN(auto sub_cgroups, parse_sub_cgroups(options.cgroups));
    BERTH_TRY_ASSIGN(auto cgroup, cgroups::load_manager(record.cgroup));
    BERTH_TRY_ASSIGN(std::vector<std::string> cgroup_dirs, exec_cgroup_dirs(cgroup->cgroup(), sub_cgroups));
    // Rootless: no CLONE_INTO_CGROUP or self-join, whose refusal would fail the clone.
    Result<cgroups::SelfJoin> join = options.rootless ? Result<cgroups::SelfJoin>(cgroups::SelfJoin{})
                                                      : cgroups::open_self_join(cgroup_dirs);
    BERTH_TRY_ASSIGN(Console console, console_for(*spec.process, options));
    UniqueFd pidfd_socket;
    if (!options.pidfd_socket.empty()) {
        BERTH_TRY_ASSIGN(pidfd_socket, linux_setup::connect_pidfd_socket(options.pidfd_socket));
    }
    trace::phase("plan");
    BERTH_TRY_ASSIGN(auto plan, plan_exec(spec, options, target, std::move(console.child_end),
                                                   static_cast<bool>(console.relay_end)));
    if (pidfd_socket) plan->parent_only_fds.push_back(pidfd_socket.get());

    // Blocked before the process exists, so no signal meant for it is lost.
    std::optional<SignalForwarding> signals;
    if (!options.detach) signals.emplace();
    log::debug("exec: cloning into the namespaces of pid " + std::to_string(record.pid));
    log::debug("exec: before the cgroup join: affinity: " + process::initial_affinity_mask(plan->attributes));
    if (join) plan->cgroup_tasks = std::move(join->v1_tasks);
    auto launched = process::launch(*plan, parent_steps(spec, record, cgroup_dirs, join, options.rootless), process::exec_child_main);
    if (!launched) return std::move(launched).error().wrap("unable to start container process");
    log::debug("exec: process " + std::to_string(launched->pid) + " set up in the container");
    process::KillGuard guard(launched->pid);
    plan.reset();
    if (pidfd_socket) BERTH_TRY(linux_setup::send_pidfd(pidfd_socket.get(), launched->pid, launched->pidfd.get(), "setns"));
    if (!options.pid_file.empty()) BERTH_TRY(write_pid_file(options.pid_file, launched->pid));
    UniqueFd master;
    if (console.relay_end) {
        BERTH_TRY_ASSIGN(master, receive_fd(console.relay_end.get(), "the pty master"));
    }
    guard.dismiss();
    if (options.detach) return 0;
    trace::phase("wait");
    return wait_foreground(launched->pid, signals->fd(), master.get());
}

}  // namespace berth::container
