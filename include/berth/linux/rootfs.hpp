// The container's root filesystem: planned in the parent, applied in the child.
//
// plan_rootfs() does all parsing and allocation before clone (mount flags and
// data strings, resolved bind sources, device list, masked/readonly paths).
// The child then only makes syscalls: setup_rootfs() runs inside the new mount
// namespace, before the process is released; finish_rootfs() pivots into it.
#pragma once

#include <string>

#include "berth/process/child_error.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::linux_setup {

struct RootfsPlan;  // defined in rootfs_plan.hpp, owned by the rootfs code

struct RootfsOptions {
    std::string bundle;   // absolute bundle directory (relative sources resolve here)
    bool no_pivot = false;  // --no-pivot: MS_MOVE + chroot instead of pivot_root
    bool has_user_namespace = false;  // devices are bind-mounted from the host, not mknod'ed
};

}  // namespace berth::linux_setup
