// Linux security module labels: process.apparmorProfile,
// process.selinuxLabel and linux.mountLabel.
//
// plan_lsm() (parent) checks which LSM is enabled on this host. Where the LSM
// a label needs is not enabled, berth refuses the config up front with a clear
// message; runc 1.1 refuses too, only later or more obscurely (checked on this
// host, which has neither AppArmor nor SELinux):
//   selinuxLabel   -> runc: "selinux label is specified in config, but selinux is disabled or not supported"
//                     (berth prints the same text)
//   apparmorProfile-> runc: init fails writing /proc/self/attr/exec (EINVAL)
//   mountLabel     -> runc: every mount fails with EINVAL on context=...
// Empty strings mean "no label", as in runc.
//
// The child applies the exec label with apply_exec_label() just before
// execve, writing through the private procfs handle (safe_procfs.hpp).
// mount_label is for the rootfs code: append `context="<label>"` to the data
// of the mounts it creates when non-empty.
#pragma once

#include <string>

#include "berth/util/child_error.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::linux_setup {

struct LsmStatus {
    bool apparmor = false;  // /sys/module/apparmor/parameters/enabled is "Y"
    bool selinux = false;   // selinuxfs is mounted at /sys/fs/selinux
};
LsmStatus detect_lsm();

struct LsmPlan {
    // Relative to the thread's procfs directory: "attr/apparmor/exec" (or
    // "attr/exec" on older kernels) for AppArmor, "attr/exec" for SELinux; empty: nothing to do.
    std::string exec_attr;
    std::string exec_label;  // what is written there ("exec <profile>" for AppArmor)
    std::string mount_label;
};

Result<LsmPlan> plan_lsm(const oci::Spec& spec, const LsmStatus& host);
Result<LsmPlan> plan_lsm(const oci::Spec& spec);  // against detect_lsm()

// Child: writes plan.exec_label to plan.exec_attr via the private procfs
// handle `procfs`; no-op when plan.exec_attr is empty.
bool apply_exec_label(const LsmPlan& plan, int procfs, ChildError& err) noexcept;

}  // namespace berth::linux_setup
