// The device cgroup: the default devices, and v2's eBPF program (v1: devices_v1.hpp).
#pragma once

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::cgroups {

// The container's rules followed by the devices every container gets (null,
// zero, full, random, urandom, tty, console, ptmx, pts, tun), as runc adds them.
std::vector<oci::DeviceCgroup> with_default_devices(const std::vector<oci::DeviceCgroup>& rules);

// A BPF_PROG_TYPE_CGROUP_DEVICE program deciding like the rule list: the last
// rule matching a request wins; nothing matches: denied.
Result<std::vector<bpf_insn>> compile_device_filter(const std::vector<oci::DeviceCgroup>& rules);
// Loads `program`, attaches it to the v2 cgroup `dir` and detaches the device
// programs attached there before (so an update replaces the filter).
Status attach_device_filter(const std::string& dir, const std::vector<bpf_insn>& program);

}  // namespace berth::cgroups
