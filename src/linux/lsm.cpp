#include "berth/linux/lsm.hpp"

#include <fcntl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>

#include "berth/linux/safe_procfs.hpp"

namespace berth::linux_setup {
namespace {

constexpr long kSelinuxMagic = 0xf97cff8c;  // SELINUX_MAGIC

bool apparmor_enabled() {
    char c = 0;
    const int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool yes = read(fd, &c, 1) == 1 && c == 'Y';
    close(fd);
    return yes;
}

bool selinux_enabled() {
    struct statfs sfs {};
    return statfs("/sys/fs/selinux", &sfs) == 0 && static_cast<long>(sfs.f_type) == kSelinuxMagic;
}

// Newer kernels (5.8+) give AppArmor its own attr directory so it can be
// stacked with other LSMs; older ones share attr/exec.
bool has_apparmor_attr_dir() { return access("/proc/self/attr/apparmor", F_OK) == 0; }

}  // namespace

LsmStatus detect_lsm() { return LsmStatus{apparmor_enabled(), selinux_enabled()}; }

Result<LsmPlan> plan_lsm(const oci::Spec& spec, const LsmStatus& host) {
    LsmPlan plan;
    const std::string apparmor = spec.process && spec.process->apparmorProfile ? *spec.process->apparmorProfile : "";
    const std::string selinux = spec.process && spec.process->selinuxLabel ? *spec.process->selinuxLabel : "";
    const std::string mount_label = spec.linux && spec.linux->mountLabel ? *spec.linux->mountLabel : "";
    if (!selinux.empty() && !host.selinux)
        // runc 1.1's exact wording.
        return Error::msg("selinux label is specified in config, but selinux is disabled or not supported");
    if (!mount_label.empty() && !host.selinux)
        return Error::msg("config.json: linux.mountLabel is specified in config, but selinux is disabled or not supported");
    if (!apparmor.empty() && !host.apparmor)
        return Error::msg("config.json: process.apparmorProfile \"" + apparmor +
                          "\" is specified in config, but apparmor is disabled or not supported");
    if (!apparmor.empty() && !selinux.empty())
        return Error::msg("process: apparmorProfile and selinuxLabel are both set; only one LSM can label the process");
    if (!apparmor.empty()) {
        plan.exec_attr = has_apparmor_attr_dir() ? "attr/apparmor/exec" : "attr/exec";
        plan.exec_label = "exec " + apparmor;  // the change_onexec command
    } else if (!selinux.empty()) {
        plan.exec_attr = "attr/exec";
        plan.exec_label = selinux;
    }
    plan.mount_label = mount_label;
    return plan;
}

Result<LsmPlan> plan_lsm(const oci::Spec& spec) { return plan_lsm(spec, detect_lsm()); }

bool apply_exec_label(const LsmPlan& plan, int procfs, ChildError& err) noexcept {
    if (plan.exec_attr.empty()) return true;
    // CVE-2019-16884 / CVE-2025-52881: through the verified private procfs only.
    return write_thread_self(procfs, plan.exec_attr.c_str(), plan.exec_label.data(), plan.exec_label.size(), err);
}

}  // namespace berth::linux_setup
