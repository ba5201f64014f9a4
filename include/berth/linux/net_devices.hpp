// linux.netDevices: host network devices moved into the container's network
// namespace before its process starts (runtime-spec 1.3, as runc 1.3 does it):
// over rtnetlink, set down, moved and renamed in one RTM_NEWLINK
// (IFLA_NET_NS_FD + IFLA_IFNAME), its permanent global addresses re-added in
// the new namespace (a move drops them), then set up. Nothing is moved back on
// delete: the spec forbids it (the kernel returns physical devices to the
// host's namespace and destroys virtual ones when the namespace goes).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::linux_setup {

struct NetDeviceMove {
    std::string host_name;  // the key of linux.netDevices
    std::string name;       // in the container: `name`, or the host name
};

struct NetDevicesPlan {
    std::vector<NetDeviceMove> moves;
    // A joined namespace (its `path`): the init may enter it only after the
    // parent's move, so the parent opens the path. Empty: the new namespace the
    // init was cloned into, /proc/PID/ns/net.
    std::string netns_path;
};

// runc's checks, before anything is created: a network namespace to move into
// (new or joined), and names the kernel accepts (IFNAMSIZ, no '/', ':' or
// space, not "." or ".."). Errors name linux.netDevices.<name>.
Result<NetDevicesPlan> plan_net_devices(const oci::Linux& linux);

// Moves every device into the container's network namespace (`pid` is the
// init). A missing device or a name already taken there is an error naming
// the device.
Status move_net_devices(const NetDevicesPlan& plan, pid_t pid);

}  // namespace berth::linux_setup
