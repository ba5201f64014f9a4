#include "berth/process/exec_child.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "berth/linux/rootfs.hpp"
#include "berth/linux/seccomp_notify.hpp"
#include "berth/linux/self_protect.hpp"
#include "berth/linux/terminal.hpp"
#include "berth/process/child_steps.hpp"
#include "berth/process/exec_path.hpp"
#include "berth/process/sync.hpp"
#include "berth/util/trace.hpp"

namespace berth::process {
namespace {

// `go`, then the state datagram launch() always sends (empty for exec).
bool receive_go(ChildPlan& plan, ChildError& err) noexcept {
    if (!wait_sync(plan.sync.get(), SyncType::go, err)) return false;
    char state[1];
    ssize_t n;
    do {
        n = ::recv(plan.sync.get(), state, sizeof(state), MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return err.fail(n < 0 ? errno : 0, "sync with parent: receive state");
    return true;
}

// After joining the container's user namespace we are nobody in it until
// switch_user: become its root first, as runc's nsexec does.
bool become_namespace_root(const ChildPlan& plan, ChildError& err) noexcept {
    bool joined_user = !plan.namespaces.joins.empty() && plan.namespaces.joins.front().type == oci::NamespaceType::user;
    if (!joined_user) return true;
    if (::setresgid(0, 0, 0) != 0) return err.fail(errno, "setresgid 0 in the user namespace");
    if (::setresuid(0, 0, 0) != 0) return err.fail(errno, "setresuid 0 in the user namespace");
    return true;
}

// A pty from the container's devpts; the master goes to the console socket
// (the caller's, or our parent's own relay), the slave becomes our stdio and
// controlling terminal.
bool open_terminal(const ChildPlan& plan, ChildError& err) noexcept {
    if (!plan.terminal) return true;
    int master = linux_setup::open_console_master(plan.rootfs, err);
    if (master < 0) return false;
    int slave = linux_setup::open_pty_slave(master, plan.console_size ? &*plan.console_size : nullptr, plan.relayed_console, err);
    bool ok = slave >= 0 && linux_setup::send_fd(plan.console_socket.get(), master, err);
    ::close(master);
    ok = ok && linux_setup::attach_console(slave, err);
    if (slave >= 0) ::close(slave);
    return ok;
}

// A terminal on our stdio (our own pty, or the caller's) is handed to the
// user we switch to, so the process can use it (runc's fixStdioPermissions).
// Never /dev/null or other memory devices: those may be the host's
// (runc issue 3674).
void give_terminals_to_user(const Identity& id) noexcept {
    for (int fd = 0; fd <= 2; ++fd) {
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode) || st.st_uid == id.uid) continue;
        if (major(st.st_rdev) == 1 || !::isatty(fd)) continue;
        // EINVAL/EPERM (owner not mapped in a user namespace), EROFS: leave it, as runc.
        (void)::fchown(fd, id.uid, static_cast<gid_t>(-1));
    }
}

bool set_home(ChildPlan& plan, char* home_env, size_t size, ChildError& err) noexcept {
    if (!plan.exec.needs_home) return true;
    if (!home_env_for(plan.identity.uid, home_env, size, err)) return false;
    plan.exec.envp[plan.exec.home_slot] = home_env;
    return true;
}

bool prepare(ChildPlan& plan, char* home_env, size_t home_size, char* exe, size_t exe_size, ChildError& err) noexcept {
    // Before the cgroup join (runc fails the exec when the kernel refuses it).
    const auto& a = plan.attributes;
    if (a.has_initial_cpus && ::sched_setaffinity(0, sizeof(a.initial_cpus), &a.initial_cpus) != 0)
        return err.fail(errno, "sched_setaffinity (execCPUAffinity.initial)");
    if (!linux_setup::set_dumpable(false, err) || !join_own_cgroups(plan, err) || !receive_go(plan, err) ||
        !place_on_cpus(plan.attributes, err))
        return false;
    trace::phase("namespaces");
    if (!linux_setup::join_namespaces(plan.namespaces, err) || !become_namespace_root(plan, err)) return false;
    if (::setsid() < 0) return err.fail(errno, "setsid");
    if (!join_session_keyring(plan, err) || !open_terminal(plan, err)) return false;
    give_terminals_to_user(plan.identity);
    trace::phase("process");
    if (!apply_attributes(plan.attributes, err) || !set_home(plan, home_env, home_size, err)) return false;
    // The cwd is entered while still privileged, and again after the user
    // switch only when that failed for lack of permission: a directory only
    // root or only the user can enter works either way (as runc).
    ChildError early;
    bool in_cwd = enter_cwd(plan, early);
    if (!in_cwd && early.err != EACCES && early.err != EPERM) {
        err = early;
        return false;
    }
    // Before any filter: a profile older than close_range must not stop us.
    if (!mark_fds_cloexec(plan, err)) return false;
    trace::phase("privileges");
    if (!drop_privileges(plan, err) || (!in_cwd && !enter_cwd(plan, err))) return false;
    // The lookup uses the container's PATH, after the user switch (as runc).
    if (!resolve_executable(plan.exec.argv[0], plan.exec.path_env, exe, exe_size, err)) return false;
    // With no_new_privs the filter goes on last (as runc).
    return !(plan.seccomp && plan.no_new_privileges) || load_filter(plan, err);
}

}  // namespace

void exec_child_main(ChildPlan& plan) noexcept {
    // Die with `berth exec` while it drives the setup.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (int fd : plan.parent_only_fds) ::close(fd);
    // The foreground exec blocks signals to forward them; the process starts with none blocked.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ChildError err;
    static char home_env[4096 + 8];
    static char exe[4096];
    if (!prepare(plan, home_env, sizeof(home_env), exe, sizeof(exe), err)) {
        send_sync_error(plan.sync.get(), err);
        ::_exit(255);
    }
    ::prctl(PR_SET_PDEATHSIG, 0);
    // Before `ready`: the parent may return (exec -d) before the execve.
    trace::phase("execve");
    if (!send_sync(plan.sync.get(), SyncType::ready, err)) ::_exit(255);
    ::execve(exe, plan.exec.argv.data(), plan.exec.envp.data());
    char reason[128];
    go_strerror(errno, reason, sizeof(reason));
    char line[4200];
    int n = std::snprintf(line, sizeof(line), "exec failed: exec %s: %s\n", exe, reason);
    if (n > 0) (void)!::write(2, line, static_cast<size_t>(n) < sizeof(line) ? static_cast<size_t>(n) : sizeof(line) - 1);
    ::_exit(255);
}

}  // namespace berth::process
