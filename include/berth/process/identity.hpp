// process.user: who the container's process runs as. The child looks the uid
// up in the CONTAINER's /etc/passwd (our parser, no NSS) for HOME, then
// switches with setgroups(additionalGids) / setresgid / setresuid, as runc.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <vector>

#include "berth/util/child_error.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::process {

struct Identity {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> additional_gids;
    // False rootless: setgroups(2) is denied in the namespace (or not ours to
    // grant), so the groups stay as they are (runc's allowSupGroups).
    bool set_groups = true;
};

// Parent: process.user as an Identity. Rootless (euid != 0), explicit
// additionalGids are refused with runc's reason instead of being dropped.
Result<Identity> plan_identity(const oci::User& user);

// Writes "HOME=<home of uid in /etc/passwd, or />" into `out`. Child, after
// entering the rootfs.
bool home_env_for(uid_t uid, char* out, size_t out_size, ChildError& err) noexcept;

// The user switch (keep-caps, if needed, must already be set).
bool switch_user(const Identity& id, bool can_setgroups, ChildError& err) noexcept;

}  // namespace berth::process
