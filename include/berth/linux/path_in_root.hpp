// Paths inside the container's rootfs, always handled through file descriptors.
//
// Every lookup is an openat2(2) relative to a rootfs dirfd with RESOLVE_IN_ROOT
// (absolute symlinks and ".." stay inside the rootfs) and RESOLVE_NO_MAGICLINKS
// (no /proc/PID/fd jumps). A path string a container can redirect with a
// symlink is never handed to mount(2) (CVE-2021-30465, CVE-2024-45310).
// The child-side functions are noexcept, allocate nothing and report through
// errno (-1) like the syscalls they wrap.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "berth/util/path.hpp"  // clean_path: a container path cleaned lexically (parent only)

namespace berth::linux_setup {

// openat2(root_fd, path, flags | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve).
int open_in_root(int root_fd, const char* path, int flags, uint64_t extra_resolve = 0) noexcept;

// An O_PATH fd for `path` inside the root, creating what is missing: every
// missing parent as a 0755 directory, the last component as a directory or
// (directory == false) an empty 0644 file. Creation is by parent fd, so a
// component swapped for a symlink cannot place anything outside the rootfs.
// Fails with ENOENT on a dangling symlink. `extra_resolve` as for open_in_root
// (RESOLVE_NO_SYMLINKS where no symlink may be involved at all, e.g. /dev).
int open_or_create_in_root(int root_fd, const char* path, bool directory, uint64_t extra_resolve = 0) noexcept;

// "/proc/self/fd/N" into `buf` (at least 32 bytes), for the few syscalls that
// only take a path (mount(2) of a filesystem type). Returns buf.
const char* fd_path(int fd, char* buf, std::size_t size) noexcept;

}  // namespace berth::linux_setup
