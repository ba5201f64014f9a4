// Child: performs one planned config mount inside the rootfs.
#pragma once

#include "berth/linux/rootfs.hpp"
#include "berth/util/child_error.hpp"

namespace berth::linux_setup {

// `root_fd` is an O_PATH fd of the (self-bound) rootfs. The destination is
// resolved and, when missing, created inside it by fd; the mount is made onto
// that fd. Errors read like runc's: `error mounting "proc" to rootfs at "/proc": ...`.
// A bind's detached clone of its source (open_tree) given what the config
// asks: the idmap, the bind's own flags (runc 1.2+ semantics, see
// MountOptions::bind_attr_change, locked flags handled as runc does), the
// recursive attributes. Child (through the plan's table) and parent (which
// clones for the child in a user namespace, through the kernel's) alike.
bool finish_bind_tree(const Syscalls& sys, const PlannedMount& mount, int tree_fd, ChildError& err) noexcept;

// `cloner` (may be null) serves plan.parent_clones_sources.
bool apply_mount(const RootfsPlan& plan, const PlannedMount& mount, int root_fd, const SourceCloner* cloner,
                 ChildError& err) noexcept;

}  // namespace berth::linux_setup
