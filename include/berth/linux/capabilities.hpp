// Process capabilities: planned in the parent, applied in the child.
//
// plan_capabilities() maps `process.capabilities` names to bit masks and
// leaves out, with a warning, what this host cannot grant (a name we do not
// know, a capability newer than the kernel, or one missing from berth's own
// bounding/permitted set: on this host CAP_SYS_RESOURCE), so the child never
// fails with an opaque EPERM. The child functions below only make syscalls.
//
// Call order in the child (the lifecycle engineer wires this):
//   1. drop_bounding_set(plan, err)      still uid 0 with CAP_SETPCAP effective
//   2. keep_capabilities(err)            PR_SET_KEEPCAPS, so setresuid() keeps the permitted set
//   3. setgroups / setresgid / setresuid (the user switch)
//   4. apply_capabilities(plan, err)     capset(effective, permitted, inheritable), then ambient
//   5. ... no_new_privs, LSM exec label, seccomp (see no_new_privs.hpp / seccomp.hpp), execve
// Without `process.capabilities` in the config, skip 1, 2 and 4 (the spec
// leaves the caps untouched then, as runc does).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/util/child_error.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::linux_setup {

// One bit per capability number (CAP_CHOWN = bit 0, ...).
using CapabilityMask = uint64_t;

struct CapabilityPlan {
    CapabilityMask bounding = 0;
    CapabilityMask effective = 0;
    CapabilityMask permitted = 0;
    CapabilityMask inheritable = 0;
    // Only the caps the kernel lets us raise (in permitted and inheritable);
    // runc skips the others with a warning and so do we (CVE-2022-29162 made
    // inheritable empty by default, yet `runc spec` 1.1 still lists ambient caps).
    CapabilityMask ambient = 0;
    int last_cap = 0;  // /proc/sys/kernel/cap_last_cap at plan time
};

// "CAP_CHOWN" -> 0; nullopt for a name berth does not know. Case-sensitive, as
// the spec requires the CAP_ prefix in upper case.
std::optional<int> capability_number(std::string_view name);
// 0 -> "CAP_CHOWN"; nullptr beyond the known table.
const char* capability_name(int number);
// Every capability name berth knows, in number order (for `berth features`).
std::vector<std::string_view> known_capability_names();

// What this process could grant: its bounding set intersected with its
// permitted set, and the kernel's last capability.
struct HostCapabilities {
    CapabilityMask grantable = 0;
    int last_cap = 0;
    CapabilityMask bounding = 0;  // the bounding set alone
};
Result<HostCapabilities> host_capabilities();

// Maps the names. What this host cannot grant (an unknown name, a capability
// newer than the kernel or outside berth's own sets, an ambient cap that is not
// both permitted and inheritable) is left out with a warning in runc's words,
// as the runtime spec asks:
//   ignoring unknown or unavailable capabilities: [CAP_BAR CAP_FOO]
//   can't raise ambient capability CAP_KILL: operation not permitted
// An effective cap outside permitted is an error naming its JSON path.
Result<CapabilityPlan> plan_capabilities(const oci::Capabilities& caps, const HostCapabilities& host,
                                         std::vector<std::string>& warnings);
// Same, against host_capabilities(); the warnings go to berth's log. In a user
// namespace of its own (made or joined) the process holds every capability
// there whatever berth's permitted set (a rootless berth has none): only the
// bounding set limits it.
Result<CapabilityPlan> plan_capabilities(const oci::Capabilities& caps, bool user_namespace);

// ---- child side (noexcept, syscalls only) ---------------------------------

// PR_CAPBSET_DROP for every capability not in plan.bounding. Needs CAP_SETPCAP.
bool drop_bounding_set(const CapabilityPlan& plan, ChildError& err) noexcept;
// PR_SET_KEEPCAPS: permitted caps survive the switch away from uid 0
// (the flag itself is cleared again by execve).
bool keep_capabilities(ChildError& err) noexcept;
// After the user switch: capset() of effective/permitted/inheritable, then
// clears the ambient set and raises plan.ambient.
bool apply_capabilities(const CapabilityPlan& plan, ChildError& err) noexcept;

}  // namespace berth::linux_setup
