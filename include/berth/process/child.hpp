// The container's init between clone3 and execve. Everything it needs is in
// a ChildPlan built by the parent before clone (launch.hpp); the child only
// reads it and makes syscalls. It never returns into the parent's code: every
// failure is sent as a ChildError over the sync socket and the child _exits.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "berth/linux/capabilities.hpp"
#include "berth/linux/lsm.hpp"
#include "berth/linux/namespaces.hpp"
#include "berth/linux/rootfs_plan.hpp"
#include "berth/linux/seccomp.hpp"
#include "berth/process/attributes.hpp"
#include "berth/process/hooks.hpp"
#include "berth/process/identity.hpp"
#include "berth/util/fd.hpp"
#include "oci/spec.hpp"

namespace berth::process {

// Flattened process.args / process.env: char* arrays into owned strings.
// Not movable: the arrays point into the strings.
struct ExecArgs {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::vector<char*> argv;
    std::vector<char*> envp;   // one spare slot before the terminating null for HOME
    size_t home_slot = 0;      // index of the spare slot in envp
    bool needs_home = false;   // env has no HOME: the child adds it from /etc/passwd
    const char* path_env = nullptr;  // value of PATH in env, for the executable lookup
};

struct Sysctl {
    std::string path;  // relative to /proc: "sys/net/ipv4/ip_forward"
    std::string value;
};

struct ChildPlan {
    ChildPlan() = default;
    ChildPlan(const ChildPlan&) = delete;
    ChildPlan& operator=(const ChildPlan&) = delete;

    std::string id;
    linux_setup::NamespacePlan namespaces;
    linux_setup::RootfsPlan rootfs;
    std::optional<linux_setup::CapabilityPlan> capabilities;
    std::optional<linux_setup::SeccompProgram> seccomp;
    linux_setup::LsmPlan lsm;
    UniqueFd lsm_procfs;       // private procfs for the exec label (only with a label)
    UniqueFd host_proc;        // O_PATH of the host /proc: reopen the fifo, write sysctls
    bool no_new_privileges = false;
    ProcessAttributes attributes;
    Identity identity;
    std::optional<std::string> hostname;
    std::optional<std::string> domainname;
    std::vector<Sysctl> sysctls;
    bool terminal = false;
    std::optional<oci::Box> console_size;
    UniqueFd console_socket;   // where the pty master goes (--console-socket or run's own)
    bool relayed_console = false;  // berth relays the pty itself: output keeps "\n" (no ONLCR), as runc's tty
    bool new_keyring = true;
    // Rootless: the parent, an unprivileged user, writes the id maps and
    // oom_score_adj in /proc/<init>/, which the kernel keeps root's while the
    // init is not dumpable; so it stays dumpable until `go`, before anything
    // of the container runs (as runc's nsexec); and again from ready on (below).
    // As root, never dumpable.
    bool dumpable_until_go = false;
    // Rootless: dumpable again once ready (privileges dropped, fds closed), so
    // that an `exec` by the same user into the created container may open
    // /proc/<init>/ns/* (a non-dumpable process's need CAP_SYS_PTRACE in the
    // host's user namespace). runc's created init is open so too.
    bool dumpable_when_ready = false;
    int kept_fds = 0;          // fds 3..3+kept_fds-1 stay open (LISTEN_FDS + --preserve-fds)
    std::string cwd;
    ExecArgs exec;
    bool parent_hooks = false;  // prestart/createRuntime exist: pause for the parent
    HookPlans create_container_hooks;
    HookPlans start_container_hooks;
    UniqueFd exec_fifo;        // O_PATH of the exec fifo
    UniqueFd sync;             // the child's end of the socketpair
    // v1 `tasks` files of the child's cgroups, opened by the parent: the child
    // joins them itself, first thing (cgroups/self_join.hpp says why).
    std::vector<UniqueFd> cgroup_tasks;
    // Parent fds the child must drop at once, e.g. the container directory
    // whose flock would otherwise be held for the init's whole life.
    std::vector<int> parent_only_fds;
    // Receives the hooks' state JSON: sized by launch() before clone to the
    // largest the states can be, so the child never allocates for them.
    std::string state_buffer;
};

// The child's entry point after clone; never returns.
[[noreturn]] void child_main(ChildPlan& plan) noexcept;

}  // namespace berth::process
