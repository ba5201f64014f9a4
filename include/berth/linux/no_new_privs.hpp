// process.noNewPrivileges: PR_SET_NO_NEW_PRIVS in the child before execve.
//
// Set it after the user switch and capabilities and before loading seccomp
// (with it set, loading a filter no longer needs CAP_SYS_ADMIN, so the filter
// can go on last; see seccomp.hpp).
#pragma once

#include "berth/util/child_error.hpp"

namespace berth::linux_setup {

bool set_no_new_privs(ChildError& err) noexcept;

}  // namespace berth::linux_setup
