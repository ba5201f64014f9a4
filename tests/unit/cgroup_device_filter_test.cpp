// The v2 device filter runs in the kernel; here a tiny interpreter for the
// instructions it uses checks its decisions against the rule list's meaning.
#include <gtest/gtest.h>

#include "berth/cgroups/devices.hpp"

using namespace berth::cgroups;

namespace {

// A device rule: allow, type, major, minor (-1: any), access.
using Rule = oci::DeviceCgroup;

// Returns the program's verdict for one request (type 'c'/'b', access "rwm" letters).
int run(const std::vector<bpf_insn>& prog, char type, uint32_t major, uint32_t minor, const char* access) {
    uint32_t acc = 0;
    for (const char* a = access; *a; ++a)
        acc |= *a == 'm' ? BPF_DEVCG_ACC_MKNOD : *a == 'r' ? BPF_DEVCG_ACC_READ : BPF_DEVCG_ACC_WRITE;
    uint32_t ctx[3] = {acc << 16 | (type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK), major, minor};
    uint64_t r[11] = {};
    for (size_t pc = 0; pc < prog.size(); ++pc) {
        const bpf_insn& i = prog[pc];
        uint64_t imm = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
        switch (i.code) {
            case BPF_LDX | BPF_MEM | BPF_W: r[i.dst_reg] = ctx[i.off / 4]; break;
            case BPF_ALU64 | BPF_MOV | BPF_X: r[i.dst_reg] = r[i.src_reg]; break;
            case BPF_ALU64 | BPF_MOV | BPF_K: r[i.dst_reg] = imm; break;
            case BPF_ALU64 | BPF_AND | BPF_K: r[i.dst_reg] &= imm; break;
            case BPF_ALU64 | BPF_RSH | BPF_K: r[i.dst_reg] >>= imm; break;
            case BPF_JMP | BPF_JNE | BPF_K: if (r[i.dst_reg] != imm) pc += i.off; break;
            case BPF_JMP | BPF_JEQ | BPF_K: if (r[i.dst_reg] == imm) pc += i.off; break;
            case BPF_JMP | BPF_EXIT: return static_cast<int>(r[0]);
            default: ADD_FAILURE() << "unexpected opcode " << int(i.code); return -1;
        }
    }
    ADD_FAILURE() << "fell off the end";
    return -1;
}

}  // namespace

TEST(CgroupDeviceFilter, DenyAllThenExceptions) {
    auto prog = compile_device_filter({Rule{false, "a", -1, -1, "rwm"}, Rule{true, "c", 1, 3, "rwm"},
                                       Rule{true, "b", 7, -1, "r"}});
    ASSERT_TRUE(prog.ok()) << prog.error().what();
    EXPECT_EQ(run(*prog, 'c', 1, 3, "rw"), 1);
    EXPECT_EQ(run(*prog, 'c', 1, 5, "r"), 0);
    EXPECT_EQ(run(*prog, 'b', 7, 4, "r"), 1);
    EXPECT_EQ(run(*prog, 'b', 7, 4, "rw"), 0);  // only part of the access is allowed
    EXPECT_EQ(run(*prog, 'c', 7, 4, "r"), 0);   // wrong type
}

TEST(CgroupDeviceFilter, LastMatchingRuleWins) {
    auto prog = compile_device_filter({Rule{true, "a", -1, -1, "rwm"}, Rule{false, "c", 5, 1, "w"}});
    ASSERT_TRUE(prog.ok());
    EXPECT_EQ(run(*prog, 'c', 5, 1, "r"), 1);
    EXPECT_EQ(run(*prog, 'c', 5, 1, "rw"), 0);
    EXPECT_EQ(run(*prog, 'b', 8, 0, "rwm"), 1);
}

TEST(CgroupDeviceFilter, NothingMatchesMeansDenied) {
    auto prog = compile_device_filter({Rule{true, "c", 1, 3, "rw"}});
    ASSERT_TRUE(prog.ok());
    EXPECT_EQ(run(*prog, 'c', 1, 3, "r"), 1);
    EXPECT_EQ(run(*prog, 'c', 1, 3, "m"), 0);
    EXPECT_EQ(run(*prog, 'c', 1, 4, "r"), 0);
}

TEST(CgroupDeviceFilter, DefaultDevicesFollowTheContainersRules) {
    auto rules = with_default_devices({Rule{false, "a", -1, -1, "rwm"}});
    auto prog = compile_device_filter(rules);
    ASSERT_TRUE(prog.ok());
    EXPECT_EQ(run(*prog, 'c', 1, 3, "rwm"), 1);    // /dev/null
    EXPECT_EQ(run(*prog, 'c', 136, 7, "rw"), 1);   // /dev/pts/7
    EXPECT_EQ(run(*prog, 'b', 8, 0, "m"), 1);      // mknod of any node is allowed, as runc
    EXPECT_EQ(run(*prog, 'b', 8, 0, "r"), 0);
}

TEST(CgroupDeviceFilter, InvalidTypeIsAnErrorUnknownAccessLettersAreDropped) {
    EXPECT_FALSE(compile_device_filter({Rule{true, "x", 1, 3, "rw"}}).ok());
    // runc's update.bats uses "rwa": 'a' means nothing and is dropped, as runc does
    auto prog = compile_device_filter({Rule{true, "a", -1, -1, "rwm"}, Rule{false, "c", 1, 11, "rwa"}});
    ASSERT_TRUE(prog.ok()) << prog.error().what();
    EXPECT_EQ(run(*prog, 'c', 1, 11, "r"), 0);
    EXPECT_EQ(run(*prog, 'c', 1, 11, "m"), 1);
    EXPECT_EQ(run(*prog, 'c', 1, 3, "rw"), 1);
}
