// Child: the container's /dev contents (when /dev is not a bind mount).
#pragma once

#include "berth/linux/rootfs_plan.hpp"
#include "berth/util/child_error.hpp"

namespace berth::linux_setup {

// Creates plan.devices inside the rootfs (mknod, or without the right to
// mknod in a user namespace an empty file with the host's node bound over
// it), then runc's links: /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr,
// /dev/ptmx -> pts/ptmx and /dev/core when the host has /proc/kcore.
// No symlink is followed anywhere below the rootfs (CVE-2026-41579).
bool create_devices(const RootfsPlan& plan, int root_fd, ChildError& err) noexcept;

}  // namespace berth::linux_setup
