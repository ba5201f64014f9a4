#include "berth/process/exec_child.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "berth/linux/rootfs.hpp"
#include "berth/linux/self_protect.hpp"
#include "berth/linux/terminal.hpp"
#include "berth/process/child_steps.hpp"
#include "berth/process/exec_path.hpp"
#include "berth/process/sync.hpp"
#include "berth/util/trace.hpp"

namespace berth::process {
namespace {

bool prepare(ChildPlan& plan, char* home_env, size_t home_size, char* exe, size_t exe_size, ChildError& err) noexcept {
    HookStates none;  // exec runs no hooks: the parent sends no states
    if (!linux_setup::set_dumpable(false, err) || !set_initial_cpus(plan, err) || !join_own_cgroups(plan, err) ||
        !receive_go(plan, none, err) || !place_on_cpus(plan.attributes, err)) {
        return false;
    }
    trace::phase("namespaces");
    if (!linux_setup::join_namespaces(plan.namespaces, err) || !become_namespace_root(plan, err)) return false;
    if (::setsid() < 0) return err.fail(errno, "setsid");
    if (!join_session_keyring(plan, err)) return false;
    // The container's /dev/console is the init's: our pty becomes our stdio
    // and controlling terminal at once.
    int slave = -1;
    bool console = open_console(plan, slave, err) && (slave < 0 || linux_setup::attach_console(slave, err));
    if (slave >= 0) ::close(slave);
    if (!console) return false;
    if (!become_process(plan, home_env, home_size, exe, exe_size, err)) return false;
    // With no_new_privs the filter goes on last (as runc).
    return !(plan.seccomp && plan.no_new_privileges) || load_filter(plan, err);
}

}  // namespace

void exec_child_main(ChildPlan& plan) noexcept {
    begin_child(plan);
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
