// A cache of compiled seccomp programs under the state root, so containers
// with the same profile (every Docker/podman container uses the same default)
// skip libseccomp compilation.
//
// Layout: <root>/@seccomp-cache/<key>.bpf ('@' is not valid in a container id,
// so the directory never collides with a container). The key is a 128-bit hash
// of a canonical serialisation of the seccomp section plus the architecture and
// the libseccomp and berth versions; the file also stores that serialisation
// and a hit requires an exact match, so a hash collision cannot hand out the
// wrong filter. Files are written atomically (temp + rename), owned by us,
// 0600; anything else found there is ignored and recompiled.
#pragma once

#include <string>

#include "berth/linux/seccomp.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::linux_setup {

// The canonical input the cache key is computed from (exposed for tests).
std::string seccomp_cache_input(const oci::Seccomp& seccomp);
// The 32-hex-digit key of a seccomp section.
std::string seccomp_cache_key(const oci::Seccomp& seccomp);

// compile_seccomp() through the cache in `state_root` (e.g. /run/berth).
// Cache failures (read-only root, ...) fall back to compiling.
Result<SeccompProgram> compile_seccomp_cached(const oci::Seccomp& seccomp, const std::string& state_root);

}  // namespace berth::linux_setup
