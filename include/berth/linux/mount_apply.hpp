// Child: performs one planned config mount inside the rootfs.
#pragma once

#include "berth/linux/rootfs_plan.hpp"
#include "berth/util/child_error.hpp"

namespace berth::linux_setup {

// `root_fd` is an O_PATH fd of the (self-bound) rootfs. The destination is
// resolved and, when missing, created inside it by fd; the mount is made onto
// that fd. Errors read like runc's: `error mounting "proc" to rootfs at "/proc": ...`.
bool apply_mount(const RootfsPlan& plan, const PlannedMount& mount, int root_fd, ChildError& err) noexcept;

}  // namespace berth::linux_setup
