// The -ENOSYS stub in front of a compiled seccomp filter (what runc calls
// "patchbpf").
//
// A profile denies by default, but a syscall newer than every syscall the
// profile names cannot be in it deliberately: the profile predates it. Such a
// syscall gets ENOSYS, so programs fall back to the older syscall (glibc's
// clone3 -> clone, statx -> fstatat, ...) instead of failing with EPERM or
// being killed. runc's seccomp.bats checks this with syscall 1000.
#pragma once

#include <linux/filter.h>

#include <vector>

#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::linux_setup {

// Instructions to prepend to the libseccomp program of `seccomp` (whose
// architectures are `arch_tokens`, SCMP_ARCH_* values including the native
// one); empty when the default action already allows or already answers ENOSYS.
std::vector<sock_filter> enosys_stub(const oci::Seccomp& seccomp, uint32_t default_action,
                                     const std::vector<uint32_t>& arch_tokens);

}  // namespace berth::linux_setup
