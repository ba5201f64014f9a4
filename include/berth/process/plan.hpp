// Building a ChildPlan from the config in the parent, before clone: every
// name mapped, every string flattened, every validation done, so that the
// child only makes syscalls.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/process/child.hpp"
#include "berth/util/refused_field.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::process {

struct PlanOptions {
    std::string id;
    std::string bundle;       // absolute
    std::string state_root;   // for the seccomp filter cache
    bool no_pivot = false;
    bool no_new_keyring = false;
    int preserve_fds = 0;     // --preserve-fds
    int listen_fds = 0;       // LISTEN_FDS handed to us by systemd (0: none)
    UniqueFd console_socket;  // connected; required when process.terminal
    bool relayed_console = false;  // console_socket is berth's own relay (run without --console-socket)
};

Result<std::unique_ptr<ChildPlan>> plan_child(const oci::Spec& spec, PlanOptions options);

// runc's checkTerminal, for create, exec and restore alike: a process.terminal
// of a detached process needs a console socket, and a console socket needs a
// detached process with a terminal (create is always detached: run's
// foreground terminal gets berth's own relay as its socket).
Status check_console_socket(bool terminal, bool detached, bool console_socket);

// spec.process's capabilities, spec.linux.seccomp (compiled, cached under
// options.state_root), no_new_privs and LSM labels into `plan` (also used by exec).
Status plan_security(const oci::Spec& spec, const PlanOptions& options, ChildPlan& plan);

// `env` then `extra_env` as the process gets them: one entry per name (the
// last one given, in its place) and no empty HOME, as runc's prepareEnv.
std::vector<std::string> process_env(const std::vector<std::string>& env, const std::vector<std::string>& extra_env);

// Builds the env/args arrays the child execs with (parent side: it allocates);
// `extra_env` (LISTEN_FDS, ...) is appended (process_env).
void flatten_exec(ExecArgs& exec, const oci::Process& process, const std::vector<std::string>& extra_env);

// The Windows-only fields of `process` that are set (runtime-spec config.md:
// process.commandLine, process.user.username): they mean nothing on Linux.
std::vector<RefusedField> windows_fields(const oci::Process& process);

// What create refuses in the container's process before planning anything:
// the Windows fields, empty args, a relative cwd, an rlimit whose soft limit
// is above its hard one (setrlimit's EINVAL in the child otherwise). `check`
// lists them all, create reports the first.
std::vector<RefusedField> process_refusals(const oci::Process& process);

// The namespace a sysctl key belongs to (runc's list: the IPC keys, the
// mqueue, net and uts ones), nullopt for a key that is not namespaced.
std::optional<oci::NamespaceType> sysctl_namespace(std::string_view key);

// hostname and domainname need a UTS namespace of the container's own (any
// entry in linux.namespaces): runc's refusals, in field order.
std::vector<RefusedField> uts_refusals(const oci::Spec& spec);

// Sysctl key -> path below /proc, refused (runc's message) when the container
// does not have its own namespace for it.
Result<Sysctl> plan_sysctl(const std::string& key, const std::string& value, const linux_setup::NamespacePlan& ns);

// The OCI field a sysctl would fight with: "hostname" for kernel.hostname
// (runc refuses it always), "domainname" for a kernel.domainname other than a
// non-empty `domainname` (crun refuses that; runc lets the sysctl win
// silently); "" when there is no conflict.
std::string sysctl_conflicting_field(const oci::Spec& spec, const std::string& key, const std::string& value);

// runc marks every fd but stdio close-on-exec before it starts its init;
// ours is a clone and would hold whatever berth's caller left open (a pipe
// of the shell or test runner) for the whole `created` state. berth opens
// all of its own close-on-exec, so the fds above the kept ones without that
// flag are the caller's: they join plan.parent_only_fds, which the child
// closes first thing. Needs plan.kept_fds.
void drop_inherited_fds(ChildPlan& plan);

// LISTEN_FDS passed to this process (LISTEN_PID must be ours), as systemd's
// sd_listen_fds; 0 when absent.
int inherited_listen_fds();

// The fds 3, 4, ... the caller handed us, counted at the start of main before
// berth opens anything. LISTEN_FDS and --preserve-fds may only name those:
// a missing one would be taken by one of berth's own fds, which would then
// reach the container (CVE-2024-21626 is about such leaks). `ours` (an fd
// berth passed itself across its re-exec, or -1) ends the count like a gap.
void note_inherited_fds(int ours);
// Refuses `listen_fds` + `preserve_fds` beyond what was inherited, with runc's
// text for a missing preserved fd.
Status check_inherited_fds(int listen_fds, int preserve_fds);

}  // namespace berth::process
