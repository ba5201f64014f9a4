// Seccomp: the filter is compiled in the parent, loaded in the child.
//
// compile_seccomp() turns `linux.seccomp` into a classic BPF program with
// libseccomp (before clone, so the child neither parses nor allocates), plus
// the seccomp(2) flags to load it with. load_seccomp() is the child side: one
// seccomp(SECCOMP_SET_MODE_FILTER) syscall, which returns the notify fd when
// the profile uses SCMP_ACT_NOTIFY.
//
// Where the child loads it (the lifecycle engineer wires this):
//   - noNewPrivileges false: loading needs CAP_SYS_ADMIN, so load it BEFORE the
//     user switch and before apply_capabilities() (as runc does); every syscall
//     the child makes afterwards is filtered (Docker's and podman's default
//     profiles allow all of them).
//   - noNewPrivileges true: set_no_new_privs() first, then load it as the very
//     last step before execve (after caps, LSM label, closing fds).
//   - With SCMP_ACT_NOTIFY (plan.notify): load_seccomp() hands back the notify
//     fd; send it to the parent right away with send_fd() (seccomp_notify.hpp)
//     and close it; the parent forwards it to `listenerPath` with
//     send_to_seccomp_listener(). compile_seccomp() refuses NOTIFY on the
//     syscalls that hand-off uses (write, sendmsg), which would deadlock.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "berth/util/child_error.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::linux_setup {

struct SeccompProgram {
    std::vector<sock_filter> filter;  // the exported BPF program
    unsigned int flags = 0;           // SECCOMP_FILTER_FLAG_* for seccomp(2)
    bool notify = false;              // uses SCMP_ACT_NOTIFY: load returns a listener fd
};

// Compiles the section; errors name the JSON path, e.g.
//   linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"
// Syscall names this libseccomp does not know are skipped, as runc does
// (profiles list syscalls newer than the library).
Result<SeccompProgram> compile_seccomp(const oci::Seccomp& seccomp);

// What loading needs beyond the program: the seccomp(2) flags (names checked
// against the kernel) and, when the program notifies, a listenerPath.
Result<unsigned int> seccomp_load_flags(const oci::Seccomp& seccomp, bool notify);

// What `berth features` reports (linux.seccomp): names this build maps, and
// the flags this kernel accepts.
std::vector<std::string_view> seccomp_known_actions();
std::vector<std::string_view> seccomp_known_operators();
std::vector<std::string_view> seccomp_known_architectures();
std::vector<std::string_view> seccomp_known_flags();
std::vector<std::string_view> seccomp_supported_flags();

// ---- child side (noexcept, syscalls only) ---------------------------------

// seccomp(SECCOMP_SET_MODE_FILTER, prog.flags, &prog). On success returns
// true and, when prog.notify, stores the listener fd in *notify_fd (else -1).
bool load_seccomp(const SeccompProgram& prog, int* notify_fd, ChildError& err) noexcept;

}  // namespace berth::linux_setup
