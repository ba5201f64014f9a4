// linux.namespaces: which namespaces the init gets new (clone flags) and which
// it joins by path (setns), planned in the parent; uid/gid maps written by the
// parent while the child waits.
//
// Joining by path without an extra fork: a pid namespace only applies to
// children, so the parent sets pid_for_children before clone3 and restores it
// after (enter_namespaces_for_clone).
//
// With a NEW user namespace the other joined namespaces are entered by the
// parent too, around clone3: once the child is in its new user namespace it
// has no privilege over namespaces owned by the host's (a netns made by
// `ip netns add`), so setns from the child fails with EPERM. runc joins them
// first and unshares the user namespace after; cloning from inside them gives
// the same result with one clone: joined namespaces keep their owners, new
// ones belong to the new user namespace.
//
// With a user namespace JOINED by path and new namespaces, those must be made
// from inside it (owned by it: a new uts namespace owned by the host's would
// refuse sethostname, a new mount namespace the mounts), and a new pid
// namespace needs a process made after that. So a short-lived helper joins
// the namespaces, becomes the user namespace's root (as runc's nsexec) and
// clones the child with the new ones (process/launch.cpp), as runc's stage 1.
//
// The child joins the rest in two passes (nsenter(1), runc PR 4492): every
// namespace it can join with its current privileges, then the user namespace,
// then what was refused before (a joined user namespace owns those).
//
// A time namespace applies to the
// caller itself once it is single-threaded, so the child joins it with setns;
// a NEW time namespace is made by the child with unshare(CLONE_NEWTIME), its
// timeOffsets written, and then entered with setns on time_for_children
// (offsets can only be set before a process lives in the namespace, so
// CLONE_NEWTIME cannot go into the clone flags). A new cgroup namespace is
// likewise unshared by the child after `go`: its root is the cgroup the
// process is in at that moment, and on v1 hosts the parent only places the
// init into the container's cgroup after clone.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "berth/linux/syscalls.hpp"
#include "berth/util/child_error.hpp"
#include "berth/util/fd.hpp"
#include "berth/util/refused_field.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::linux_setup {

struct NamespaceJoin {
    oci::NamespaceType type;
    int nstype = 0;  // CLONE_NEW*
    std::string path;
    UniqueFd fd;
};

struct NamespacePlan {
    unsigned long clone_flags = 0;    // CLONE_NEW* created by clone3 (never CLONE_NEWTIME or CLONE_NEWCGROUP)
    bool new_user = false;
    bool new_cgroup = false;          // the child unshares it once it is in its cgroup
    bool new_net_by_child = false;    // the child unshares it (plan_namespaces says when)
    bool new_time = false;            // the child unshares and enters it
    std::string time_offsets;         // "monotonic S N\nboottime S N\n" for /proc/self/timens_offsets
    UniqueFd join_pid;                // set as pid_for_children around clone3
    std::vector<NamespaceJoin> joins;  // setns in the child, user first; pid excluded
    std::vector<NamespaceJoin> parent_joins;  // with a new user namespace: setns by the parent around clone3
    bool has(oci::NamespaceType type) const { return has_[static_cast<size_t>(type)]; }
    bool has_[8] = {};                // the container has this namespace (new or joined)
    const Syscalls* sys = &kSystemCalls;  // what join_namespaces calls (syscalls.hpp: tests give their own)
};

// CLONE_NEWPID for "pid", ...
int clone_flag(oci::NamespaceType type);
// The name in /proc/PID/ns: "net" for "network", "mnt" for "mount", ...
const char* proc_ns_name(oci::NamespaceType type);

// What linux.namespaces cannot do with the rest of `linux`: timeOffsets
// without a new time namespace, a new user namespace without uid or gid
// mappings. (Duplicated types the parser refused already.)
std::vector<RefusedField> namespace_refusals(const oci::Linux& linux);

// Refuses what namespace_refusals() names (the first of it), opens every path.
Result<NamespacePlan> plan_namespaces(const oci::Linux& linux);

// The parent's own namespaces while it stands in the container's for clone3.
struct ParentNamespaces {
    struct Saved {
        int nstype = 0;
        UniqueFd own;
    };
    std::vector<Saved> saved;  // restored in reverse order
    UniqueFd cwd;              // entering a mount namespace moves our cwd
    const Syscalls* sys = &kSystemCalls;  // the plan's, for both ways
};

// Parent: around clone3, enters join_pid (as pid_for_children) and
// parent_joins; leave_namespaces_for_clone restores ours. On failure nothing
// stays changed. Both through the plan's table (syscalls.hpp).
Result<ParentNamespaces> enter_namespaces_for_clone(const NamespacePlan& plan);
Status leave_namespaces_for_clone(ParentNamespaces& own);

// Parent: writes /proc/PID/uid_map and gid_map of a child in a new user
// namespace. As root directly. Unprivileged (rootless), the kernel takes only
// a single mapping of our own id, written directly (gid_map after setgroups
// "deny", as the kernel requires); any other map (subordinate ranges) goes
// through the setuid newuidmap/newgidmap (Debian's uidmap), which checks it
// against /etc/subuid and /etc/subgid and says what it refused.
Status write_id_mappings(pid_t pid, const std::vector<oci::IDMapping>& uid_mappings,
                         const std::vector<oci::IDMapping>& gid_mappings);

// Child: setns into every joined namespace (two passes, see above), then
// makes the new cgroup and time namespaces.
bool join_namespaces(const NamespacePlan& plan, ChildError& err) noexcept;
// The two passes alone (launch.cpp's helper, before it clones the child).
bool join_namespace_paths(const NamespacePlan& plan, ChildError& err) noexcept;

// Child, in a network namespace it created: sets `lo` up, as runc does for a
// new one (its "loopback" network), so 127.0.0.1 works in the container.
bool bring_up_loopback(const NamespacePlan& plan, ChildError& err) noexcept;

}  // namespace berth::linux_setup
