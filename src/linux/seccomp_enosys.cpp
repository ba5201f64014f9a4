#include "berth/linux/seccomp_enosys.hpp"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include <cerrno>
#include <cstddef>
#include <map>
#include <optional>

namespace berth::linux_setup {
namespace {

constexpr uint32_t kX32SyscallBit = 0x40000000;

// The highest syscall number the profile names on one audit architecture.
// x32 shares AUDIT_ARCH_X86_64 and is told apart by kX32SyscallBit.
struct Limits {
    std::optional<uint32_t> native;  // for this audit arch (x86_64 without the x32 bit)
    std::optional<uint32_t> x32;     // x32 syscalls (numbers include the bit)
};

void raise(std::optional<uint32_t>& limit, uint32_t nr) {
    if (!limit || nr > *limit) limit = nr;
}

std::map<uint32_t, Limits> last_syscalls(const oci::Seccomp& seccomp, const std::vector<uint32_t>& arch_tokens) {
    std::map<uint32_t, Limits> limits;
    for (uint32_t token : arch_tokens) {
        const bool x32 = token == SCMP_ARCH_X32;
        Limits& l = limits[x32 ? AUDIT_ARCH_X86_64 : token];
        for (const oci::SeccompSyscall& call : seccomp.syscalls) {
            for (const std::string& name : call.names) {
                const int nr = seccomp_syscall_resolve_name_arch(token, name.c_str());
                if (nr < 0) continue;  // unknown, or a pseudo-syscall on this arch
                raise(x32 ? l.x32 : l.native, static_cast<uint32_t>(nr));
            }
        }
    }
    return limits;
}

sock_filter stmt(uint16_t code, uint32_t k) { return BPF_STMT(code, k); }
sock_filter jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) { return BPF_JUMP(code, k, jt, jf); }

}  // namespace

std::vector<sock_filter> enosys_stub(const oci::Seccomp& seccomp, uint32_t default_action,
                                     const std::vector<uint32_t>& arch_tokens) {
    if (default_action == SCMP_ACT_ALLOW || default_action == SCMP_ACT_LOG ||
        default_action == SCMP_ACT_ERRNO(ENOSYS))
        return {};
    const std::map<uint32_t, Limits> limits = last_syscalls(seccomp, arch_tokens);

    // Layout: per architecture a block that loads the syscall number and jumps
    // to ENOSYS when it is above the limit, else to the filter; architectures
    // without a block fall through to "ja filter". Jump targets are patched
    // once the positions are known.
    std::vector<sock_filter> out;
    std::vector<size_t> to_enosys_jt;  // jgt instructions whose jt goes to ENOSYS and jf to the filter
    out.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
    for (const auto& [arch, l] : limits) {
        if (!l.native && !l.x32) continue;
        const bool split = arch == AUDIT_ARCH_X86_64 && l.x32;
        const uint8_t body = split ? 4 : 2;  // instructions after the arch test
        out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, body));
        out.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
        if (split) {
            out.push_back(jump(BPF_JMP | BPF_JSET | BPF_K, kX32SyscallBit, 1, 0));
            // An x86_64 profile without any native syscall: every native one is "newer".
            out.push_back(jump(BPF_JMP | BPF_JGT | BPF_K, l.native ? *l.native : 0, 0, 0));
            to_enosys_jt.push_back(out.size() - 1);
            out.push_back(jump(BPF_JMP | BPF_JGT | BPF_K, *l.x32, 0, 0));
        } else {
            out.push_back(jump(BPF_JMP | BPF_JGT | BPF_K, l.native ? *l.native : *l.x32, 0, 0));
        }
        to_enosys_jt.push_back(out.size() - 1);
    }
    if (to_enosys_jt.empty()) return {};
    out.push_back(stmt(BPF_JMP | BPF_JA, 1));  // no block matched: the filter
    const size_t enosys = out.size();
    out.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS));
    const size_t filter = out.size();
    for (size_t at : to_enosys_jt) {
        out[at].jt = static_cast<uint8_t>(enosys - at - 1);
        out[at].jf = static_cast<uint8_t>(filter - at - 1);
    }
    return out;
}

}  // namespace berth::linux_setup
