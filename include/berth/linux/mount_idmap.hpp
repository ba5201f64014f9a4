// User namespaces for idmapped mounts (mount_setattr MOUNT_ATTR_IDMAP).
#pragma once

#include <vector>

#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::linux_setup {

// Parent only. Creates a user namespace holding exactly these mappings and
// returns an fd to it; the short-lived helper process that owned it is reaped
// before returning. The fd is what mount_setattr's userns_fd takes.
Result<UniqueFd> make_idmap_userns(const std::vector<oci::IDMapping>& uid_mappings,
                                   const std::vector<oci::IDMapping>& gid_mappings);

}  // namespace berth::linux_setup
