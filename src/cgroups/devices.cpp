#include "berth/cgroups/devices.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "berth/cgroups/convert.hpp"
#include "berth/util/fd.hpp"

namespace berth::cgroups {
namespace {

oci::DeviceCgroup allow(const char* type, int64_t major, int64_t minor, const char* access) {
    oci::DeviceCgroup d;
    d.allow = true;
    d.type = type;
    d.major = major;
    d.minor = minor;
    d.access = access;
    return d;
}

// ---- eBPF assembly (only what the filter needs) ----
bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}
bpf_insn load_ctx_u32(uint8_t dst, int16_t off) { return insn(BPF_LDX | BPF_MEM | BPF_W, dst, BPF_REG_1, off, 0); }
bpf_insn mov_reg(uint8_t dst, uint8_t src) { return insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0); }
bpf_insn mov_imm(uint8_t dst, int32_t imm) { return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm); }
bpf_insn and_imm(uint8_t dst, int32_t imm) { return insn(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm); }
bpf_insn rsh_imm(uint8_t dst, int32_t imm) { return insn(BPF_ALU64 | BPF_RSH | BPF_K, dst, 0, 0, imm); }
bpf_insn jump_if(uint8_t op, uint8_t dst, int32_t imm) { return insn(BPF_JMP | op | BPF_K, dst, 0, 0, imm); }
bpf_insn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

int access_mask(const std::string& access) {
    int mask = 0;
    for (char c : access) {
        if (c == 'm') mask |= BPF_DEVCG_ACC_MKNOD;
        if (c == 'r') mask |= BPF_DEVCG_ACC_READ;
        if (c == 'w') mask |= BPF_DEVCG_ACC_WRITE;
    }
    return mask;
}

long bpf(int cmd, bpf_attr& attr) { return ::syscall(__NR_bpf, cmd, &attr, sizeof attr); }

}  // namespace

std::vector<oci::DeviceCgroup> with_default_devices(const std::vector<oci::DeviceCgroup>& rules) {
    std::vector<oci::DeviceCgroup> out = rules;
    for (auto d : {allow("c", -1, -1, "m"), allow("b", -1, -1, "m"), allow("c", 1, 3, "rwm"),
                   allow("c", 1, 8, "rwm"), allow("c", 1, 7, "rwm"), allow("c", 5, 0, "rwm"),
                   allow("c", 1, 5, "rwm"), allow("c", 1, 9, "rwm"), allow("c", 5, 1, "rwm"),
                   allow("c", 136, -1, "rwm"), allow("c", 5, 2, "rwm"), allow("c", 10, 200, "rwm")})
        out.push_back(d);
    return out;
}

Result<std::vector<bpf_insn>> compile_device_filter(const std::vector<oci::DeviceCgroup>& rules) {
    // r2 = device type, r3 = requested access, r4 = major, r5 = minor
    // (struct bpf_cgroup_dev_ctx: access_type = access << 16 | type, major, minor).
    std::vector<bpf_insn> prog = {
        load_ctx_u32(BPF_REG_2, 0), mov_reg(BPF_REG_3, BPF_REG_2), rsh_imm(BPF_REG_3, 16),
        and_imm(BPF_REG_2, 0xffff), load_ctx_u32(BPF_REG_4, 4), load_ctx_u32(BPF_REG_5, 8),
    };
    // The last matching rule decides: test the rules from the end.
    for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
        const auto& rule = *it;
        std::vector<bpf_insn> block;  // jumps with off = -1 are patched to skip the rest
        std::string type = rule.type.value_or("a");
        if (type == "c" || type == "b")
            block.push_back(jump_if(BPF_JNE, BPF_REG_2, type == "c" ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK));
        else if (type != "a")
            return Error::msg("linux.resources.devices: invalid type \"" + type + "\"");
        std::string access = device_access(rule);
        if (access.empty()) continue;  // grants or denies nothing
        int mask = access_mask(access);
        if (mask != 7) {
            block.push_back(mov_reg(BPF_REG_6, BPF_REG_3));
            if (rule.allow) {
                // allowed only if every requested access is in the rule
                block.push_back(and_imm(BPF_REG_6, ~mask & 7));
                block.push_back(jump_if(BPF_JNE, BPF_REG_6, 0));
            } else {
                // denied if any requested access is in the rule
                block.push_back(and_imm(BPF_REG_6, mask));
                block.push_back(jump_if(BPF_JEQ, BPF_REG_6, 0));
            }
        }
        if (rule.major && *rule.major >= 0)
            block.push_back(jump_if(BPF_JNE, BPF_REG_4, static_cast<int32_t>(*rule.major)));
        if (rule.minor && *rule.minor >= 0)
            block.push_back(jump_if(BPF_JNE, BPF_REG_5, static_cast<int32_t>(*rule.minor)));
        bool unconditional = block.empty();
        block.push_back(mov_imm(BPF_REG_0, rule.allow ? 1 : 0));
        block.push_back(exit_insn());
        for (size_t i = 0; i < block.size(); ++i)
            if (BPF_CLASS(block[i].code) == BPF_JMP && BPF_OP(block[i].code) != BPF_EXIT)
                block[i].off = static_cast<int16_t>(block.size() - i - 1);
        prog.insert(prog.end(), block.begin(), block.end());
        // A rule matching everything decides alone: the verifier refuses unreachable code after it.
        if (unconditional) return prog;
    }
    prog.push_back(mov_imm(BPF_REG_0, 0));
    prog.push_back(exit_insn());
    return prog;
}

Status attach_device_filter(const std::string& dir, const std::vector<bpf_insn>& program) {
    UniqueFd cg(::open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (!cg) return Error::from_errno("open \"" + dir + "\"");

    // The programs attached before, to detach once the new one is in place.
    uint32_t old_ids[64];
    bpf_attr query{};
    query.query.target_fd = static_cast<uint32_t>(cg.get());
    query.query.attach_type = BPF_CGROUP_DEVICE;
    query.query.prog_ids = reinterpret_cast<uint64_t>(old_ids);
    query.query.prog_cnt = 64;
    if (bpf(BPF_PROG_QUERY, query) != 0) return Error::from_errno("bpf(BPF_PROG_QUERY) on \"" + dir + "\"");

    bpf_attr load{};
    load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    load.insns = reinterpret_cast<uint64_t>(program.data());
    load.insn_cnt = static_cast<uint32_t>(program.size());
    load.license = reinterpret_cast<uint64_t>("Apache");
    UniqueFd prog(static_cast<int>(bpf(BPF_PROG_LOAD, load)));
    if (!prog) {
        int err = errno;
        // Load again with the verifier's log for its reason (its last line).
        std::string log(1 << 16, '\0');
        load.log_buf = reinterpret_cast<uint64_t>(log.data());
        load.log_size = static_cast<uint32_t>(log.size());
        load.log_level = 1;
        (void)bpf(BPF_PROG_LOAD, load);
        log.resize(::strnlen(log.data(), log.size()));
        while (!log.empty() && log.back() == '\n') log.pop_back();
        std::string reason = log.substr(log.rfind('\n') == std::string::npos ? 0 : log.rfind('\n') + 1);
        return Error::sys(err, "bpf(BPF_PROG_LOAD) device filter" + (reason.empty() ? "" : " (" + reason + ")"));
    }

    bpf_attr attach{};
    attach.target_fd = static_cast<uint32_t>(cg.get());
    attach.attach_bpf_fd = static_cast<uint32_t>(prog.get());
    attach.attach_type = BPF_CGROUP_DEVICE;
    attach.attach_flags = BPF_F_ALLOW_MULTI;
    if (bpf(BPF_PROG_ATTACH, attach) != 0) return Error::from_errno("bpf(BPF_PROG_ATTACH) on \"" + dir + "\"");

    for (uint32_t i = 0; i < query.query.prog_cnt && i < 64; ++i) {
        bpf_attr get{};
        get.prog_id = old_ids[i];
        UniqueFd old(static_cast<int>(bpf(BPF_PROG_GET_FD_BY_ID, get)));
        if (!old) continue;  // already gone
        bpf_attr detach{};
        detach.target_fd = static_cast<uint32_t>(cg.get());
        detach.attach_bpf_fd = static_cast<uint32_t>(old.get());
        detach.attach_type = BPF_CGROUP_DEVICE;
        if (bpf(BPF_PROG_DETACH, detach) != 0 && errno != ENOENT)
            return Error::from_errno("bpf(BPF_PROG_DETACH) old device filter on \"" + dir + "\"");
    }
    return {};
}

}  // namespace berth::cgroups
