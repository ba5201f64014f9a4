#include "berth/container/state_dir.hpp"

#include <dirent.h>
#include <libgen.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace berth::container {
namespace {

Error does_not_exist() { return Error::msg("container does not exist"); }

Result<ContainerDir> open_dir(const std::string& root, const std::string& id, bool lock) {
    std::string path = root + "/" + id;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT) return does_not_exist();
        return Error::from_errno("open \"" + path + "\"");
    }
    if (lock && ::flock(fd.get(), LOCK_EX) != 0) return Error::from_errno("lock \"" + path + "\"");
    // A concurrent delete may have removed the directory while we waited.
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return Error::from_errno("stat \"" + path + "\"");
    if (st.st_nlink == 0) return does_not_exist();
    return ContainerDir(std::move(path), std::move(fd));
}

}  // namespace

Status ensure_root(const std::string& root) {
    if (root.empty() || root[0] != '/') return Error::msg("state root \"" + root + "\" must be an absolute path");
    for (size_t pos = 1; pos <= root.size(); ++pos) {
        if (pos != root.size() && root[pos] != '/') continue;
        std::string prefix = root.substr(0, pos);
        if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return Error::from_errno("mkdir \"" + prefix + "\"");
    }
    return {};
}

Result<ContainerDir> create_container_dir(const std::string& root, const std::string& id) {
    BERTH_TRY(ensure_root(root));
    // Made under a name that is no container id ('@'), locked, and only then
    // renamed into place: `list` and `state` never see a new container's
    // directory unlocked and without state (they would report it as broken).
    std::string staging = root + "/@new-" + std::to_string(::getpid());
    int made = ::mkdir(staging.c_str(), 0700);
    if (made != 0 && errno == EEXIST) {
        ::rmdir(staging.c_str());  // left (empty) by a create that died with our pid
        made = ::mkdir(staging.c_str(), 0700);
    }
    if (made != 0) return Error::from_errno("mkdir \"" + staging + "\"");
    UniqueFd fd(::open(staging.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd || ::flock(fd.get(), LOCK_EX) != 0) {
        Error failed = Error::from_errno("lock \"" + staging + "\"");
        ::rmdir(staging.c_str());
        return failed;
    }
    std::string path = root + "/" + id;
    if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
        int failed = errno;
        ::rmdir(staging.c_str());
        if (failed == EEXIST) return Error::msg("container with given ID already exists");
        return Error::sys(failed, "rename \"" + staging + "\" to \"" + path + "\"");
    }
    return ContainerDir(std::move(path), std::move(fd));
}

Result<ContainerDir> lock_container_dir(const std::string& root, const std::string& id) {
    return open_dir(root, id, true);
}

Result<ContainerDir> open_container_dir(const std::string& root, const std::string& id) {
    return open_dir(root, id, false);
}

bool is_locked(const ContainerDir& dir) {
    // A second open file description conflicts with the holder's lock; ours
    // would not (flock locks belong to the open file description).
    UniqueFd probe(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!probe) return false;
    return ::flock(probe.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

Status remove_container_dir(const ContainerDir& dir) {
    UniqueFd listing(::openat(dir.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!listing) return Error::from_errno("open \"" + dir.path() + "\"");
    DIR* d = ::fdopendir(listing.release());
    if (!d) return Error::from_errno("opendir \"" + dir.path() + "\"");
    Status status;
    while (dirent* e = ::readdir(d)) {
        std::string_view name = e->d_name;
        if (name == "." || name == "..") continue;
        if (::unlinkat(dir.fd(), e->d_name, 0) != 0 && errno != ENOENT) {
            status = Error::from_errno("remove \"" + dir.file(e->d_name) + "\"");
        }
    }
    ::closedir(d);
    BERTH_TRY(status);
    if (::rmdir(dir.path().c_str()) != 0 && errno != ENOENT) return Error::from_errno("remove \"" + dir.path() + "\"");
    return {};
}

Result<std::vector<std::string>> list_ids(const std::string& root) {
    std::vector<std::string> ids;
    DIR* d = ::opendir(root.c_str());
    if (!d) {
        if (errno == ENOENT) return ids;
        return Error::from_errno("open \"" + root + "\"");
    }
    while (dirent* e = ::readdir(d)) {
        std::string_view name = e->d_name;
        if (name == "." || name == ".." || e->d_type != DT_DIR) continue;
        ids.emplace_back(name);
    }
    ::closedir(d);
    return ids;
}

Status write_file_atomic(int dir_fd, const std::string& name, std::string_view content, mode_t mode) {
    std::string tmp = "." + name + ".tmp";
    UniqueFd fd(::openat(dir_fd, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd) return Error::from_errno("create \"" + tmp + "\"");
    const char* p = content.data();
    size_t left = content.size();
    while (left > 0) {
        ssize_t n = ::write(fd.get(), p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::unlinkat(dir_fd, tmp.c_str(), 0);
            return Error::from_errno("write \"" + tmp + "\"");
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    if (::renameat(dir_fd, tmp.c_str(), dir_fd, name.c_str()) != 0) {
        ::unlinkat(dir_fd, tmp.c_str(), 0);
        return Error::from_errno("rename \"" + tmp + "\" to \"" + name + "\"");
    }
    return {};
}

Status write_pid_file(const std::string& path, pid_t pid) {
    std::string copy = path;
    std::string dir = ::dirname(copy.data());
    copy = path;
    std::string base = ::basename(copy.data());
    UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    Status written = dir_fd ? write_file_atomic(dir_fd.get(), base, std::to_string(pid), 0644)
                            : Status(Error::from_errno("open \"" + dir + "\""));
    if (!written) return std::move(written).error().wrap("pid file \"" + path + "\"");
    return {};
}

}  // namespace berth::container
