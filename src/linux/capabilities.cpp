#include "berth/linux/capabilities.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "berth/util/log.hpp"

namespace berth::linux_setup {
namespace {

// Index = capability number (linux/capability.h).
constexpr std::array<std::string_view, 41> kCapabilityNames = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

constexpr CapabilityMask bit(int cap) { return CapabilityMask{1} << cap; }

Result<int> read_last_cap() {
    FILE* f = std::fopen("/proc/sys/kernel/cap_last_cap", "re");
    if (f == nullptr) return Error::from_errno("open \"/proc/sys/kernel/cap_last_cap\"");
    int last = -1;
    const int n = std::fscanf(f, "%d", &last);
    std::fclose(f);
    if (n != 1 || last < 0 || last > 63) return Error::msg("read \"/proc/sys/kernel/cap_last_cap\": unexpected content");
    return last;
}

// Names this host cannot grant (unknown to berth, newer than the kernel, or
// outside berth's own bounding and permitted sets) are left out and collected
// in `dropped`: the runtime spec wants a warning, not a failure.
CapabilityMask map_set(const std::optional<std::vector<std::string>>& names, const HostCapabilities& host,
                       std::set<std::string>& dropped) {
    CapabilityMask mask = 0;
    if (!names) return mask;
    for (const std::string& name : *names) {
        const std::optional<int> cap = capability_number(name);
        if (cap && *cap <= host.last_cap && (host.grantable & bit(*cap)) != 0) {
            mask |= bit(*cap);
        } else {
            dropped.insert(name);
        }
    }
    return mask;
}

}  // namespace

std::optional<int> capability_number(std::string_view name) {
    for (size_t i = 0; i < kCapabilityNames.size(); ++i)
        if (kCapabilityNames[i] == name) return static_cast<int>(i);
    return std::nullopt;
}

const char* capability_name(int number) {
    if (number < 0 || static_cast<size_t>(number) >= kCapabilityNames.size()) return nullptr;
    return kCapabilityNames[number].data();  // the literals are NUL-terminated
}

std::vector<std::string_view> known_capability_names() {
    return {kCapabilityNames.begin(), kCapabilityNames.end()};
}

Result<HostCapabilities> host_capabilities() {
    BERTH_TRY_ASSIGN(const int last, read_last_cap());
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (syscall(SYS_capget, &header, data) != 0) return Error::from_errno("capget");
    const CapabilityMask permitted = (CapabilityMask{data[1].permitted} << 32) | data[0].permitted;
    CapabilityMask bounding = 0;
    for (int cap = 0; cap <= last; ++cap) {
        const int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (r < 0) return Error::from_errno("prctl(PR_CAPBSET_READ, " + std::to_string(cap) + ")");
        if (r == 1) bounding |= bit(cap);
    }
    return HostCapabilities{bounding & permitted, last, bounding};
}

Result<CapabilityPlan> plan_capabilities(const oci::Capabilities& caps, const HostCapabilities& host,
                                         std::vector<std::string>& warnings) {
    CapabilityPlan plan;
    plan.last_cap = host.last_cap;
    std::set<std::string> dropped;  // sorted, as runc lists them
    plan.bounding = map_set(caps.bounding, host, dropped);
    plan.effective = map_set(caps.effective, host, dropped);
    plan.permitted = map_set(caps.permitted, host, dropped);
    plan.inheritable = map_set(caps.inheritable, host, dropped);
    const CapabilityMask ambient = map_set(caps.ambient, host, dropped);
    if (!dropped.empty()) {
        std::string list;
        for (const std::string& name : dropped) list += (list.empty() ? "" : " ") + name;
        warnings.push_back("ignoring unknown or unavailable capabilities: [" + list + "]");
    }
    // capset() rejects an effective cap outside permitted with a bare EPERM
    // (runc: "unable to apply caps: operation not permitted"); say which one.
    if (const CapabilityMask extra = plan.effective & ~plan.permitted) {
        int cap = __builtin_ctzll(extra);
        return Error::msg(std::string("config.json: process.capabilities.effective: ") + capability_name(cap) +
                          " is not in process.capabilities.permitted (effective must be a subset of permitted)");
    }
    // The kernel only raises an ambient cap that is permitted and inheritable;
    // like runc, the others are left out with a warning rather than failing the
    // container (`runc spec` of 1.1 lists ambient caps without inheritable ones).
    plan.ambient = ambient & plan.permitted & plan.inheritable;
    for (int cap = 0; cap <= host.last_cap; ++cap) {
        if ((ambient & ~plan.ambient & bit(cap)) == 0) continue;
        warnings.push_back(std::string("can't raise ambient capability ") + capability_name(cap) +
                           ": operation not permitted");
    }
    return plan;
}

Result<CapabilityPlan> plan_capabilities(const oci::Capabilities& caps, bool user_namespace) {
    BERTH_TRY_ASSIGN(HostCapabilities host, host_capabilities());
    if (user_namespace) host.grantable = host.bounding;
    std::vector<std::string> warnings;
    auto plan = plan_capabilities(caps, host, warnings);
    for (const std::string& warning : warnings) log::warn(warning);
    return plan;
}

bool drop_bounding_set(const CapabilityPlan& plan, ChildError& err) noexcept {
    for (int cap = 0; cap <= plan.last_cap; ++cap) {
        if (plan.bounding & bit(cap)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
            return err.fail(errno, "drop %s from the bounding set", capability_name(cap) ? capability_name(cap) : "?");
    }
    return true;
}

bool keep_capabilities(ChildError& err) noexcept {
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return err.fail(errno, "prctl(PR_SET_KEEPCAPS)");
    return true;
}

bool apply_capabilities(const CapabilityPlan& plan, ChildError& err) noexcept {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    for (int half = 0; half < 2; ++half) {
        const int shift = 32 * half;
        data[half].effective = static_cast<uint32_t>(plan.effective >> shift);
        data[half].permitted = static_cast<uint32_t>(plan.permitted >> shift);
        data[half].inheritable = static_cast<uint32_t>(plan.inheritable >> shift);
    }
    if (syscall(SYS_capset, &header, data) != 0) return err.fail(errno, "capset");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
        return err.fail(errno, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
    for (int cap = 0; cap <= plan.last_cap; ++cap) {
        if ((plan.ambient & bit(cap)) == 0) continue;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
            return err.fail(errno, "raise ambient %s", capability_name(cap) ? capability_name(cap) : "?");
    }
    return true;
}

}  // namespace berth::linux_setup
