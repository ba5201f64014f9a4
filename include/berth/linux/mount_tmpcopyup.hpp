// tmpcopyup: a fresh tmpfs starts with a copy of what the directory held.
#pragma once

namespace berth::linux_setup {

// Child: copies the contents of directory `src_fd` into directory `dst_fd`
// (both opened O_RDONLY|O_DIRECTORY): files, directories, symlinks, device
// nodes and fifos, with mode, owner and timestamps; the top directory's mode
// and owner too. Never follows a symlink. -1 with errno on failure.
int copy_directory_tree(int src_fd, int dst_fd) noexcept;

}  // namespace berth::linux_setup
