#include "berth/process/identity.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "berth/linux/path_in_root.hpp"
#include "berth/process/passwd.hpp"

namespace berth::process {

Result<Identity> plan_identity(const oci::User& user) {
    Identity id{user.uid, user.gid, std::vector<gid_t>(user.additionalGids.begin(), user.additionalGids.end())};
    if (::geteuid() == 0) return id;
    if (!id.additional_gids.empty())
        return Error::msg("config.json: process.user.additionalGids: cannot set any additional groups in a rootless container");
    id.set_groups = false;
    return id;
}

bool home_env_for(uid_t uid, char* out, size_t out_size, ChildError& err) noexcept {
    std::snprintf(out, out_size, "HOME=/");
    // Our root is the container's by now; distroless images make /etc/passwd
    // a (relative) symlink, followed without ever leaving that root.
    int root = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) return err.fail(errno, "open the container's root");
    int fd = linux_setup::open_in_root(root, "/etc/passwd", O_RDONLY);
    ::close(root);
    if (fd < 0) return true;  // no passwd file: HOME=/ as runc
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
        ::close(fd);
        return true;
    }
    void* text = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (text == MAP_FAILED) return err.fail(errno, "read /etc/passwd");
    auto entry = find_user_by_uid(std::string_view(static_cast<const char*>(text), static_cast<size_t>(st.st_size)), uid);
    if (entry && !entry->home.empty()) {
        std::snprintf(out, out_size, "HOME=%.*s", static_cast<int>(entry->home.size()), entry->home.data());
    }
    ::munmap(text, static_cast<size_t>(st.st_size));
    return true;
}

bool switch_user(const Identity& id, bool can_setgroups, ChildError& err) noexcept {
    if (can_setgroups && ::setgroups(id.additional_gids.size(), id.additional_gids.data()) != 0) {
        return err.fail(errno, "setgroups");
    }
    if (::setresgid(id.gid, id.gid, id.gid) != 0) return err.fail(errno, "setresgid %u", id.gid);
    if (::setresuid(id.uid, id.uid, id.uid) != 0) return err.fail(errno, "setresuid %u", id.uid);
    return true;
}

}  // namespace berth::process
