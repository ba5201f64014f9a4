// The container's init, from clone3 to execve (see child.hpp). The order of
// the steps matters and follows runc/crun; each step is one small function.
#include "berth/process/child.hpp"
#include "berth/process/child_steps.hpp"

#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string_view>

#include "berth/linux/mount_cgroup.hpp"
#include "berth/linux/no_new_privs.hpp"
#include "berth/linux/path_in_root.hpp"
#include "berth/linux/rootfs.hpp"
#include "berth/linux/self_protect.hpp"
#include "berth/linux/terminal.hpp"
#include "berth/process/exec_path.hpp"
#include "berth/process/sync.hpp"
#include "berth/util/fd_passing.hpp"
#include "berth/util/trace.hpp"

extern char** environ;

namespace berth::process {

bool receive_go(ChildPlan& plan, HookStates& states, ChildError& err) noexcept {
    SyncMessage go;
    if (!wait_sync(plan.sync.get(), SyncType::go, err, &go)) return false;
    if (plan.dumpable_until_go && !linux_setup::set_dumpable(false, err)) return false;
    // The parent checked the size against the buffer; a mismatch here is a
    // protocol error, never a state cut short.
    const uint64_t size = go.state_size;
    if (size > plan.state_buffer.size()) {
        return err.fail(0, "sync with parent: hook state of %llu bytes, room for %zu", static_cast<unsigned long long>(size),
                        plan.state_buffer.size());
    }
    // The first datagram (a lone NUL without states) brings the tasks files.
    UniqueFd tasks[kMaxGoTasks];
    size_t ntasks = 0;
    ssize_t n = receive_state(plan.sync.get(), plan.state_buffer.data(), size > 0 ? size : 1, tasks, ntasks, err);
    if (n < 0) return false;
    // Cgroups the parent made after clone (ParentSteps::make_cgroup): joined as
    // the ones opened before clone (join_own_cgroups).
    for (size_t i = 0; i < ntasks; ++i) {
        if (::write(tasks[i].get(), "0", 1) != 1) return err.fail(errno, "join own cgroup: write \"0\" to tasks");
        tasks[i].reset();
    }
    for (size_t got = size > 0 ? static_cast<size_t>(n) : 0; got < size; got += static_cast<size_t>(n)) {
        n = receive_state(plan.sync.get(), plan.state_buffer.data() + got, size - got, tasks, ntasks, err);
        if (n < 0) return false;
        if (ntasks > 0) return err.fail(0, "sync with parent: fds with a later piece of the hook state");
    }
    std::string_view all(plan.state_buffer.data(), static_cast<size_t>(size));
    size_t nul = all.find('\0');
    states.create_container = all.substr(0, nul);
    states.start_container = nul == std::string_view::npos ? all : all.substr(nul + 1);
    return true;
}

namespace {

// The parent's `go`: the id maps are written, the process is in its v2
// cgroup and the hook states are here. Received once, where it is first
// needed; the v1 cgroups opened before clone are joined right before it, the
// ones made after clone when it brings their `tasks` files (by the child itself).
struct Go {
    ChildPlan* plan;
    HookStates* states;
    bool received = false;
};

bool await_go(void* context, ChildError& err) noexcept {
    auto& go = *static_cast<Go*>(context);
    if (go.received) return true;
    trace::phase("join_cgroups");
    if (!join_own_cgroups(*go.plan, err)) return false;
    trace::phase("wait_go");
    go.received = receive_go(*go.plan, *go.states, err) && place_on_cpus(go.plan->attributes, err);
    return go.received;
}

// setup_rootfs' gate: the mounts from the first cgroup mount on need `go`.
bool await_go_for_cgroup_mounts(void* context, ChildError& err) noexcept {
    if (!await_go(context, err)) return false;
    trace::phase("cgroup_mounts");
    return true;
}

// setup_rootfs' SourceCloner: the parent clones a bind source for us.
int parent_clone_source(void* context, size_t index, ChildError& err) noexcept {
    return request_mount_source(static_cast<const ChildPlan*>(context)->sync.get(), static_cast<uint32_t>(index), err);
}

}  // namespace

bool become_namespace_root(const ChildPlan& plan, ChildError& err) noexcept {
    const auto& joins = plan.namespaces.joins;
    const bool joined_user = !joins.empty() && joins.front().type == oci::NamespaceType::user;
    if (!plan.namespaces.new_user && !joined_user) return true;
    if (::setresgid(0, 0, 0) != 0) return err.fail(errno, "setresgid 0 in the user namespace");
    if (::setresuid(0, 0, 0) != 0) return err.fail(errno, "setresuid 0 in the user namespace");
    return true;
}

void begin_child(const ChildPlan& plan) noexcept {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (int fd : plan.parent_only_fds) ::close(fd);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

bool set_initial_cpus(const ChildPlan& plan, ChildError& err) noexcept {
    const auto& a = plan.attributes;
    if (a.has_initial_cpus && ::sched_setaffinity(0, sizeof(a.initial_cpus), &a.initial_cpus) != 0) {
        return err.fail(errno, "sched_setaffinity (execCPUAffinity.initial)");
    }
    return true;
}

bool set_home(ChildPlan& plan, char* home_env, size_t size, ChildError& err) noexcept {
    if (!plan.exec.needs_home) return true;
    if (!home_env_for(plan.identity.uid, home_env, size, err)) return false;
    plan.exec.envp[plan.exec.home_slot] = home_env;
    return true;
}

bool join_own_cgroups(ChildPlan& plan, ChildError& err) noexcept {
    for (auto& tasks : plan.cgroup_tasks) {
        if (::write(tasks.get(), "0", 1) != 1) return err.fail(errno, "join own cgroup: write \"0\" to tasks");
        tasks.reset();
    }
    return true;
}

bool join_session_keyring(const ChildPlan& plan, ChildError& err) noexcept {
    if (!plan.new_keyring) return true;
    long key = ::syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, plan.id.c_str());
    // Kernels or seccomp policies without keyrings: go on without one, as runc.
    if (key < 0 && errno != ENOSYS && errno != EPERM && errno != EACCES) {
        return err.fail(errno, "join session keyring");
    }
    return true;
}

namespace {

bool set_names(const ChildPlan& plan, ChildError& err) noexcept {
    if (plan.hostname && ::sethostname(plan.hostname->data(), plan.hostname->size()) != 0) {
        return err.fail(errno, "sethostname");
    }
    if (plan.domainname && ::setdomainname(plan.domainname->data(), plan.domainname->size()) != 0) {
        return err.fail(errno, "setdomainname");
    }
    return true;
}

bool run_parent_hooks(const ChildPlan& plan, ChildError& err) noexcept {
    if (!plan.parent_hooks) return true;
    return send_sync(plan.sync.get(), SyncType::hooks, err) && wait_sync(plan.sync.get(), SyncType::hooks_done, err);
}

bool write_sysctls(const ChildPlan& plan, ChildError& err) noexcept {
    for (const auto& s : plan.sysctls) {
        int fd = ::openat(plan.host_proc.get(), s.path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) return err.fail(errno, "open /proc/%s", s.path.c_str());
        ssize_t n = ::write(fd, s.value.data(), s.value.size());
        int saved = errno;
        ::close(fd);
        if (n != static_cast<ssize_t>(s.value.size())) return err.fail(saved, "write /proc/%s", s.path.c_str());
    }
    return true;
}

}  // namespace

bool open_console(const ChildPlan& plan, int& slave, ChildError& err) noexcept {
    slave = -1;
    if (!plan.terminal) return true;
    int master = linux_setup::open_console_master(plan.rootfs, err);
    if (master < 0) return false;
    slave = linux_setup::open_pty_slave(master, plan.console_size ? &*plan.console_size : nullptr, plan.relayed_console, err);
    bool ok = slave >= 0 && send_fd(plan.console_socket.get(), master, "the pty master to the console socket", err);
    ::close(master);
    return ok;
}

bool load_filter(const ChildPlan& plan, ChildError& err) noexcept {
    int notify_fd = -1;
    if (!linux_setup::load_seccomp(*plan.seccomp, &notify_fd, err)) return false;
    if (notify_fd < 0) return true;
    bool ok = send_fd(plan.sync.get(), notify_fd, "the seccomp notify fd to berth", err);
    ::close(notify_fd);
    return ok;
}

// Capabilities, seccomp and the user switch, in the order the security code
// requires (capabilities.hpp, seccomp.hpp).
bool drop_privileges(ChildPlan& plan, ChildError& err) noexcept {
    const auto& caps = plan.capabilities;
    if (caps && !(linux_setup::drop_bounding_set(*caps, err) && linux_setup::keep_capabilities(err))) return false;
    if (plan.seccomp && !plan.no_new_privileges && !load_filter(plan, err)) return false;
    // In a user namespace without setgroups permission the supplementary groups stay as they are.
    if (!switch_user(plan.identity, plan.identity.set_groups, err)) return false;
    if (caps && !linux_setup::apply_capabilities(*caps, err)) return false;
    if (plan.no_new_privileges && !linux_setup::set_no_new_privs(err)) return false;
    return linux_setup::apply_exec_label(plan.lsm, plan.lsm_procfs.get(), err);
}

// A missing cwd is created (0755) inside the rootfs, as runc does, before
// the root may turn read-only; resolved by fd so no symlink leads outside.
bool make_cwd(const ChildPlan& plan, ChildError& err) noexcept {
    int root = ::open(plan.rootfs.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) return err.fail(errno, "open rootfs \"%s\"", plan.rootfs.rootfs.c_str());
    int cwd = linux_setup::open_or_create_in_root(root, plan.cwd.c_str(), true);
    int saved = errno;
    ::close(root);
    if (cwd < 0) return err.fail(saved, "create cwd \"%s\"", plan.cwd.c_str());
    ::close(cwd);
    return true;
}

// The cwd is entered before the user switch (so a directory only berth can
// reach works) and, when that is refused, again after it (a directory only
// the container user can reach), as runc does.
bool try_cwd(const ChildPlan& plan, bool& done, ChildError& err) noexcept {
    if (done) return true;
    if (::chdir(plan.cwd.c_str()) == 0) {
        done = true;
        return true;
    }
    if (errno == EACCES || errno == EPERM) return true;
    return err.fail(errno, "chdir to cwd (\"%s\") set in config.json failed", plan.cwd.c_str());
}

// CVE-2024-21626: the cwd must resolve inside the container; a leaked host
// directory fd used as cwd shows up as a path getcwd cannot reach.
bool verify_cwd(const ChildPlan& plan, bool done, ChildError& err) noexcept {
    if (!done && ::chdir(plan.cwd.c_str()) != 0) {
        return err.fail(errno, "chdir to cwd (\"%s\") set in config.json failed", plan.cwd.c_str());
    }
    char buf[4096];
    if (::getcwd(buf, sizeof(buf)) == nullptr || buf[0] != '/') {
        return err.fail(ENOENT, "current working directory is outside of container mount namespace root");
    }
    return true;
}

void fix_stdio_owner(uid_t uid) noexcept {
    for (int fd = 0; fd <= 2; ++fd) {
        struct stat st {};
        if (::fstat(fd, &st) != 0 || st.st_uid == uid) continue;
        // Memory devices (/dev/null, /dev/zero) may be the host's: never theirs.
        if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1) continue;
        // The gid stays (a devpts mount may want its own). EINVAL/EPERM (an
        // owner not mapped in the user namespace), EROFS: leave it, as runc.
        (void)!::fchown(fd, uid, st.st_gid);
    }
}

namespace {

// Stdio on the host's /dev/null (what a shim or conmon gives a container
// without stdin) would let the container reach a host device node through
// /proc/self/fd (chmod/chown it). As runc's reOpenDevNull: after pivot_root,
// with a /dev we made, such fds become the container's own /dev/null.
bool reopen_dev_null(const ChildPlan& plan, ChildError& err) noexcept {
    if (!plan.rootfs.setup_dev) return true;
    const int null_fd = ::open("/dev/null", O_RDWR | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    if (null_fd < 0) return err.fail(errno, "open the container's /dev/null");
    struct stat null_st {};
    bool ok = ::fstat(null_fd, &null_st) == 0 || err.fail(errno, "fstat the container's /dev/null");
    // Something else mounted over /dev/null: nothing of ours to switch to.
    const bool is_null = ok && S_ISCHR(null_st.st_mode) && null_st.st_rdev == makedev(1, 3);
    for (int fd = 0; is_null && ok && fd <= 2; ++fd) {
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode) || st.st_rdev != null_st.st_rdev) continue;
        if (st.st_dev == null_st.st_dev && st.st_ino == null_st.st_ino) continue;
        if (::dup3(null_fd, fd, 0) < 0) ok = err.fail(errno, "reopen fd %d on the container's /dev/null", fd);
    }
    ::close(null_fd);
    return ok;
}

}  // namespace

bool become_process(ChildPlan& plan, char* home_env, size_t home_size, char* exe, size_t exe_size,
                    ChildError& err) noexcept {
    trace::phase("process");
    if (!apply_attributes(plan.attributes, err) || !set_home(plan, home_env, home_size, err)) return false;
    bool in_cwd = false;
    if (!try_cwd(plan, in_cwd, err)) return false;
    fix_stdio_owner(plan.identity.uid);
    // Before any filter: a profile older than close_range must not stop us.
    if (!mark_fds_cloexec(plan, err)) return false;
    trace::phase("privileges");
    if (!drop_privileges(plan, err) || !verify_cwd(plan, in_cwd, err)) return false;
    // The lookup uses the container's PATH, after the user switch (as runc).
    if (!resolve_executable(plan.exec.argv[0], plan.exec.path_env, exe, exe_size, err)) return false;
    return true;
}

// Every fd above the kept ones closes at execve (CVE-2024-21626: no host fd
// may reach the container). Ours are needed until then, so CLOEXEC, not close.
bool mark_fds_cloexec(const ChildPlan& plan, ChildError& err) noexcept {
    unsigned first = 3U + static_cast<unsigned>(plan.kept_fds);
    if (::syscall(SYS_close_range, first, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) != 0) {
        return err.fail(errno, "close_range");
    }
    for (int fd = 3; fd < 3 + plan.kept_fds; ++fd) {
        int flags = ::fcntl(fd, F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC)) continue;
        // One of ours landed in the preserved range: it still closes at exec.
        if (fd == plan.sync.get() || fd == plan.exec_fifo.get()) continue;
        if (flags >= 0) ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
    return true;
}

namespace {

// runc's created init is its Go runtime, which dies of SIGHUP, SIGINT and
// SIGTERM (1.3.6's pidfd-socket.bats ends a created container with SIGTERM).
// As pid 1 of its own pid namespace the init would ignore them at their
// default disposition: a handler makes them land, then ends the process by the
// signal where the kernel lets it, else exits 2, as Go's runtime does.
constexpr int kCreatedInitDeathSignals[] = {SIGHUP, SIGINT, SIGTERM};

void die_of_signal(int sig) noexcept {
    ::raise(sig);  // SA_RESETHAND: the default action now
    ::_exit(2);
}

void set_created_init_handlers(bool install) noexcept {
    struct sigaction sa {};
    sa.sa_handler = install ? die_of_signal : SIG_DFL;
    sa.sa_flags = install ? SA_RESETHAND | SA_NODEFER : 0;
    sigemptyset(&sa.sa_mask);
    for (int sig : kCreatedInitDeathSignals) ::sigaction(sig, &sa, nullptr);
}

// Blocks until `start` opens the fifo for reading; the returned fd stays open
// (CLOEXEC) so that a failure after this point can still be reported to
// `start`, and a successful execve closes it.
int wait_for_start(const ChildPlan& plan, ChildError& err) noexcept {
    char path[48];
    std::snprintf(path, sizeof(path), "self/fd/%d", plan.exec_fifo.get());
    set_created_init_handlers(true);
    int fd;
    do {
        fd = ::openat(plan.host_proc.get(), path, O_WRONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    set_created_init_handlers(false);
    if (fd < 0) err.fail(errno, "open exec fifo");
    return fd;
}

[[noreturn]] void fail_after_start(int fifo, const ChildError& err) noexcept {
    char line[sizeof(err.message) + 64];
    int n = err.err ? std::snprintf(line, sizeof(line), "%s: %s", err.message, errno_text(err.err))
                    : std::snprintf(line, sizeof(line), "%s", err.message);
    if (n > 0) (void)!::write(fifo, line, static_cast<size_t>(n) < sizeof(line) ? static_cast<size_t>(n) : sizeof(line) - 1);
    ::_exit(1);
}

// Everything up to the point where the init waits for `start`.
bool prepare(ChildPlan& plan, HookStates& states, char* home_env, size_t home_size, char* exe, size_t exe_size,
             ChildError& err) noexcept {
    if (!linux_setup::set_dumpable(plan.dumpable_until_go, err) || !set_initial_cpus(plan, err)) return false;
    // Without a new user or cgroup namespace nothing before the cgroup mounts
    // needs `go` (or the cgroups): that work overlaps the parent's. A cgroup
    // namespace joined by path with a cgroup2 mount needs the child's cgroup
    // noted before the join (the mount's fallback), so it waits too.
    Go go{&plan, &states};
    const bool overlap = !plan.namespaces.new_user && !plan.namespaces.new_cgroup &&
                         !linux_setup::mounts_cgroup2_in_namespace(plan.rootfs);
    if (!overlap && !await_go(&go, err)) return false;
    // In its cgroup after `go` (a new cgroup namespace implies it), not yet in the namespace.
    if (!overlap && !linux_setup::save_cgroups_before_namespace(plan.rootfs, err)) return false;
    trace::phase("namespaces");
    if (!linux_setup::join_namespaces(plan.namespaces, err) || !become_namespace_root(plan, err)) return false;
    if (::setsid() < 0) return err.fail(errno, "setsid");
    if (!join_session_keyring(plan, err) || !set_names(plan, err) ||
        !linux_setup::bring_up_loopback(plan.namespaces, err))
        return false;
    trace::phase("mounts");
    const linux_setup::CgroupGate gate{await_go_for_cgroup_mounts, &go};
    const linux_setup::SourceCloner cloner{parent_clone_source, &plan};
    if (!linux_setup::setup_rootfs(plan.rootfs, err, overlap ? &gate : nullptr, &cloner) || !await_go(&go, err)) return false;
    trace::phase("console");
    int slave = -1;
    if (!open_console(plan, slave, err)) return false;
    trace::phase("hooks");
    if (!run_parent_hooks(plan, err)) return false;
    // createContainer hooks start in the rootfs, as runc's do.
    if (::chdir(plan.rootfs.rootfs.c_str()) != 0) return err.fail(errno, "chdir \"%s\"", plan.rootfs.rootfs.c_str());
    if (!run_hooks(plan.create_container_hooks, states.create_container, "createContainer", err)) {
        return false;
    }
    if (!make_cwd(plan, err)) return false;
    if (slave >= 0 && !linux_setup::mount_console(plan.rootfs, slave, err)) return false;
    trace::phase("pivot_root");
    if (!linux_setup::enter_rootfs(plan.rootfs, err) || !reopen_dev_null(plan, err) || !write_sysctls(plan, err)) {
        return false;
    }
    if (slave >= 0) {
        if (!linux_setup::attach_console(slave, err)) return false;
        ::close(slave);
    }
    if (!become_process(plan, home_env, home_size, exe, exe_size, err)) return false;
    // With no_new_privs the filter goes on last, but still before the parent
    // leaves: a notify fd must reach it (as runc).
    return !(plan.seccomp && plan.no_new_privileges) || load_filter(plan, err);
}

}  // namespace

void child_main(ChildPlan& plan) noexcept {
    // The death signal is cleared right before reporting ready: the init outlives `berth create`.
    begin_child(plan);
    ChildError err;
    HookStates states;
    static char home_env[4096 + 8];
    static char exe[4096];
    if (!prepare(plan, states, home_env, sizeof(home_env), exe, sizeof(exe), err)) {
        send_sync_error(plan.sync.get(), err);
        ::_exit(1);
    }
    ::prctl(PR_SET_PDEATHSIG, 0);
    if (plan.dumpable_when_ready && !linux_setup::set_dumpable(true, err)) {
        send_sync_error(plan.sync.get(), err);
        ::_exit(1);
    }
    trace::phase("ready");
    if (!send_sync(plan.sync.get(), SyncType::ready, err)) ::_exit(1);
    int fifo = wait_for_start(plan, err);
    if (fifo < 0) ::_exit(1);
    // startContainer hooks without `env` get the process's (HOME included), as runc's.
    if (!run_hooks(plan.start_container_hooks, states.start_container, "startContainer", err, plan.exec.envp.data())) {
        fail_after_start(fifo, err);
    }
    trace::phase("execve");
    ::execve(exe, plan.exec.argv.data(), plan.exec.envp.data());
    // As runc 1.2+: past start's hand-over the init reports an execve failure
    // itself, one line on the process's stderr, and exits 255; `start` has
    // succeeded and `run` returns 255 without an error of its own.
    char reason[128];
    static char line[sizeof(exe) + sizeof(reason) + 16];
    int n = std::snprintf(line, sizeof(line), "exec %s: %s\n", exe, go_strerror(errno, reason, sizeof(reason)));
    if (n > 0) (void)!::write(STDERR_FILENO, line, std::min(static_cast<size_t>(n), sizeof(line) - 1));
    ::_exit(255);
}

}  // namespace berth::process
