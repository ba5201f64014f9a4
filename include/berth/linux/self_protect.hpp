// CVE-2019-5736: keep the container from overwriting the berth binary.
//
// The attack: while a process in the container runs berth's own binary (our
// cloned child before its execve, or the user's entrypoint `#!/proc/self/exe`,
// which the kernel resolves to the berth binary), another container process
// opens /proc/<pid>/exe and, once nobody runs it any more, writes the host's
// berth binary through that handle.
//
// Two defences:
//  * set_dumpable(false) in the child from its first instruction until execve
//    (execve resets it): /proc/<child>/exe and ptrace then need CAP_SYS_PTRACE
//    in the host user namespace (CVE-2016-9962 as well).
//  * protect_own_binary() in the CLI process of create/run/exec, before the
//    clone: makes sure the file behind /proc/self/exe cannot be opened for
//    writing. Cheapest first:
//      1. nothing to do when it is on a read-only mount, or is a memfd sealed
//         against writes (the usual packaged install under a read-only /usr,
//         and every process after steps 2-4);
//      2. otherwise a detached, read-only overlayfs whose lower layers are
//         the binary's directory and /dev (an empty tmpfs where /dev cannot
//         be one; fsopen/fsmount, no copy; runc >= 1.2 uses the same: clearing
//         MS_RDONLY on it does not help since overlayfs without an upper layer
//         cannot write at all, unlike a plain read-only bind mount). The
//         running image moves onto it in place (its segments mapped again,
//         then PR_SET_MM_MAP sets /proc/self/exe: CAP_SYS_ADMIN), or, where
//         that is refused, berth re-executes from it;
//      3. without CAP_SYS_ADMIN over our mount namespace (rootless), the same
//         overlay made by a helper in a user and mount namespace of its own
//         (second layer: an empty tmpfs), then re-exec from it;
//      4. when that fails too (no user namespaces), re-exec from a sealed
//         memfd copy of the binary (a copy of 2 MiB per command, ~1.5 ms).
//    This happens at most once per command (step 1 is true afterwards).
#pragma once

#include "berth/util/child_error.hpp"
#include "berth/util/result.hpp"

namespace berth::linux_setup {

enum class ExeProtection {
    read_only_mount,  // already safe: on a read-only mount
    sealed_memfd,     // already safe: a sealed memfd
    needs_reexec,     // writable: protect_own_binary() will re-exec
};
Result<ExeProtection> own_binary_protection();

// What protects /proc/self/exe now, for --debug: "a sealed memfd", "a read-only
// overlayfs" (protect_own_binary()'s re-exec), "a read-only mount" or "nothing".
const char* own_binary_protection_name();

// Returns when /proc/self/exe is safe: already, or once the running image has
// moved onto the overlay (its mount fd is then kept as exe_mount_fd()).
// Otherwise re-executes the current command (argv/envp unchanged) from a
// protected copy and so only returns on failure. Call it first thing in
// create/run/exec.
Status protect_own_binary(char* const argv[], char* const envp[]);

// The overlay's mount fd outlives the re-exec: closing the last handle of a
// detached mount waits for an RCU grace period (0.1-0.3 ms, more on a busy
// host), which the old image would pay in execveat (close-on-exec). It goes
// to the new image instead, named by BERTH_EXE_MOUNT_FD, and is closed where
// berth waits anyway (process::launch, once the init has `go`).
//
// First thing in main, before the inherited fds are counted: takes the fd
// named by BERTH_EXE_MOUNT_FD (always removed from the environment) if it is
// the root of the overlay this binary runs from, marks it close-on-exec and
// returns its number (it is not one of the caller's fds); otherwise -1.
int adopt_exe_mount();
// The adopted fd, or -1: the cloned child must close it first thing (so that
// release_exe_mount closes the last handle, in the parent).
int exe_mount_fd();
void release_exe_mount();

// Child: PR_SET_DUMPABLE (false from the start of the child until execve).
bool set_dumpable(bool dumpable, ChildError& err) noexcept;

}  // namespace berth::linux_setup
