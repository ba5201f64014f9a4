// process.user: who the container's process runs as. The child looks the uid
// up in the CONTAINER's /etc/passwd (our parser, no NSS) for HOME, then
// switches with setgroups(additionalGids) / setresgid / setresuid, as runc.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <vector>

#include "berth/process/child_error.hpp"

namespace berth::process {

struct Identity {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> additional_gids;
};

// Writes "HOME=<home of uid in /etc/passwd, or />" into `out`. Child, after
// entering the rootfs.
bool home_env_for(uid_t uid, char* out, size_t out_size, ChildError& err) noexcept;

// The user switch (keep-caps, if needed, must already be set).
bool switch_user(const Identity& id, bool can_setgroups, ChildError& err) noexcept;

}  // namespace berth::process
