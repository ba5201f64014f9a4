// What this host offers a container, probed once for `berth check`: the
// namespace types the kernel has, the newer syscalls berth relies on, the
// capabilities berth can grant, the id ranges of berth's own user namespace
// and the cgroup hierarchies.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "berth/cgroups/hierarchy.hpp"
#include "berth/linux/capabilities.hpp"
#include "berth/linux/lsm.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::container {

struct HostFacts {
    std::string kernel;                          // uname release
    std::vector<oci::NamespaceType> namespaces;  // types with a /proc/self/ns entry
    bool clone3 = false;
    bool openat2 = false;
    bool mount_setattr = false;
    linux_setup::HostCapabilities capabilities;
    // /proc/self/uid_map and gid_map: containerID = an id in berth's own user
    // namespace, hostID = the id one level up.
    std::vector<oci::IDMapping> uid_map;
    std::vector<oci::IDMapping> gid_map;
    cgroups::Hierarchies cgroups;
    std::vector<std::string> v2_controllers;  // cgroup.controllers of the cgroup2 root
    linux_setup::LsmStatus lsm;
    // berth's own hard rlimits, by resource number: raising one above this needs CAP_SYS_RESOURCE.
    std::vector<uint64_t> rlimit_hard;
    uint64_t nr_open = 0;  // /proc/sys/fs/nr_open: RLIMIT_NOFILE's ceiling even with CAP_SYS_RESOURCE

    bool has_namespace(oci::NamespaceType type) const;
};

Result<HostFacts> probe_host();

// Parses the text of /proc/PID/uid_map ("inside outside count" per line).
Result<std::vector<oci::IDMapping>> parse_id_map(std::string_view text);

// One line for people: "kernel 6.1, cgroup hybrid (v1: cpu memory ...; v2: hugetlb), namespaces: ...".
std::string describe(const HostFacts& host);

}  // namespace berth::container
