// The state root (`--root`, mode 0700) and one directory per container in it.
//
// Every operation on one id holds an exclusive flock on that container's
// directory, so concurrent `create`/`start`/`delete` of the same id serialise.
// Read-only commands (`state`, `list`) do not lock: state.json is replaced
// atomically, so they always read a whole document.
#pragma once

#include <string>
#include <vector>

#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"

namespace berth::container {

inline constexpr const char* kStateFile = "state.json";
inline constexpr const char* kExecFifo = "exec.fifo";
inline constexpr const char* kConfigFile = "config.json";  // the bundle's config as `create` read it

class ContainerDir {
public:
    ContainerDir() = default;
    ContainerDir(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

    const std::string& path() const { return path_; }
    int fd() const { return fd_.get(); }
    std::string file(const char* name) const { return path_ + "/" + name; }

private:
    std::string path_;
    UniqueFd fd_;  // O_DIRECTORY; holds the flock while open
};

// Creates `root` (and missing parents) with mode 0700 when it does not exist.
Status ensure_root(const std::string& root);

// Makes the directory of a new container and locks it. An existing one:
// `container with given ID already exists`.
Result<ContainerDir> create_container_dir(const std::string& root, const std::string& id);

// Opens and locks an existing container's directory. Missing:
// `container does not exist`.
Result<ContainerDir> lock_container_dir(const std::string& root, const std::string& id);

// Opens without locking, for readers.
Result<ContainerDir> open_container_dir(const std::string& root, const std::string& id);

// True while another process holds the directory's lock (a `create` in progress).
bool is_locked(const ContainerDir& dir);

// Removes the directory and everything in it (state.json, exec fifo, ...).
Status remove_container_dir(const ContainerDir& dir);

// Ids of all container directories under `root` (none when root is missing).
Result<std::vector<std::string>> list_ids(const std::string& root);

// Writes `content` to `dir_fd`/`name` atomically: a temporary file, fsync-free
// (state lives on tmpfs), then rename over the old one.
Status write_file_atomic(int dir_fd, const std::string& name, std::string_view content, mode_t mode);

// --pid-file of create, run and exec: the pid written atomically to `path`
// (relative to the cwd); errors name it: `pid file "P": ...`.
Status write_pid_file(const std::string& path, pid_t pid);

}  // namespace berth::container
