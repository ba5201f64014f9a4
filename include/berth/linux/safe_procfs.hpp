// A private, verified handle on procfs for writes that must reach the real
// /proc (LSM exec labels) even when the container's /proc is a fake.
//
// CVE-2019-16884: a volume mounted over the container's /proc turned
// `/proc/self/attr/exec` into a plain file and the label was silently not
// applied. CVE-2025-52881: racing bind mounts redirected such writes to other
// procfs files. So berth never writes through a path in the container's /proc:
// the parent opens a detached procfs of its own (fsopen + fsmount, or a
// non-recursive open_tree clone of the host /proc, which sheds any
// overmounts), verifies it is procfs and its root inode, and the child resolves
// `<pid>/task/<tid>/...` below it without following symlinks or crossing
// mounts, then checks the opened file is on that same procfs before writing.
#pragma once

#include <cstddef>

#include "berth/util/child_error.hpp"
#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"

namespace berth::linux_setup {

// Parent: the private procfs root (O_PATH|O_CLOEXEC directory fd).
Result<UniqueFd> open_private_procfs();

// Child: opens `<tid-dir>/<relative>` of the calling thread (e.g. "attr/exec")
// below `procfs` (from open_private_procfs()) and verifies it; returns the fd
// or -1 with `err` filled. `flags` as for open(2) (O_CLOEXEC is added).
int open_thread_self(int procfs, const char* relative, int flags, ChildError& err) noexcept;
// Child: writes `data` (len bytes, one write) to open_thread_self(relative).
bool write_thread_self(int procfs, const char* relative, const char* data, size_t len, ChildError& err) noexcept;

}  // namespace berth::linux_setup
