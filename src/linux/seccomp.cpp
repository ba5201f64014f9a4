#include "berth/linux/seccomp.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "berth/linux/seccomp_enosys.hpp"
#include "berth/util/fd.hpp"

namespace berth::linux_setup {
namespace {

template <class T>
struct Named {
    std::string_view name;
    T value;
};

// SCMP_ACT_ERRNO and SCMP_ACT_TRACE carry errnoRet; the others ignore it.
enum class ActionKind { kill_thread, kill_process, trap, errno_ret, trace, allow, log, notify };

constexpr Named<ActionKind> kActions[] = {
    {"SCMP_ACT_KILL", ActionKind::kill_thread},  {"SCMP_ACT_KILL_PROCESS", ActionKind::kill_process},
    {"SCMP_ACT_KILL_THREAD", ActionKind::kill_thread}, {"SCMP_ACT_TRAP", ActionKind::trap},
    {"SCMP_ACT_ERRNO", ActionKind::errno_ret},   {"SCMP_ACT_TRACE", ActionKind::trace},
    {"SCMP_ACT_ALLOW", ActionKind::allow},       {"SCMP_ACT_LOG", ActionKind::log},
    {"SCMP_ACT_NOTIFY", ActionKind::notify},
};

constexpr Named<scmp_compare> kOperators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

constexpr Named<uint32_t> kArchitectures[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
};

constexpr Named<unsigned int> kFlags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

template <class T, size_t N>
const T* find(const Named<T> (&table)[N], std::string_view name) {
    for (const auto& entry : table)
        if (entry.name == name) return &entry.value;
    return nullptr;
}

template <class T, size_t N>
std::vector<std::string_view> names_of(const Named<T> (&table)[N]) {
    std::vector<std::string_view> names;
    for (const auto& entry : table) names.push_back(entry.name);
    return names;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// The libseccomp action for `name`; `errno_ret` is the entry's errnoRet (or
// defaultErrnoRet). runc's defaults: EPERM for both ERRNO and TRACE.
Result<uint32_t> action_value(const std::string& name, const std::optional<uint32_t>& errno_ret,
                              const std::string& where, const char* errno_key) {
    const ActionKind* kind = find(kActions, name);
    if (kind == nullptr) return Error::msg(where + ": unknown action " + quoted(name));
    if (errno_ret && *kind != ActionKind::errno_ret && *kind != ActionKind::trace)
        return Error::msg(where + ": " + errno_key + " is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not " +
                          name);
    const uint32_t ret = errno_ret.value_or(EPERM);
    switch (*kind) {
        case ActionKind::kill_thread: return SCMP_ACT_KILL_THREAD;
        case ActionKind::kill_process: return SCMP_ACT_KILL_PROCESS;
        case ActionKind::trap: return SCMP_ACT_TRAP;
        case ActionKind::errno_ret: return SCMP_ACT_ERRNO(ret);
        case ActionKind::trace: return SCMP_ACT_TRACE(ret);
        case ActionKind::allow: return SCMP_ACT_ALLOW;
        case ActionKind::log: return SCMP_ACT_LOG;
        case ActionKind::notify: return SCMP_ACT_NOTIFY;
    }
    return Error::msg(where + ": unknown action " + quoted(name));
}

struct FilterDeleter {
    void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterDeleter>;

Result<std::vector<scmp_arg_cmp>> conditions_of(const oci::SeccompSyscall& call, const std::string& where) {
    std::vector<scmp_arg_cmp> conditions;
    for (size_t i = 0; i < call.args.size(); ++i) {
        const oci::SeccompArg& arg = call.args[i];
        const std::string at = where + ".args[" + std::to_string(i) + "]";
        const scmp_compare* op = find(kOperators, arg.op);
        if (op == nullptr) return Error::msg(at + ".op: unknown operator " + quoted(arg.op));
        if (arg.index > 5) return Error::msg(at + ".index: " + std::to_string(arg.index) + " is out of range (0-5)");
        // SCMP_CMP_MASKED_EQ: value is the mask, valueTwo what the masked argument must equal.
        conditions.push_back(scmp_arg_cmp{arg.index, *op, arg.value, arg.valueTwo});
    }
    return conditions;
}

// Adds one syscall entry. As runc does: conditions on distinct arguments are
// ANDed in one rule; when two conditions test the same argument, each becomes
// a rule of its own (ORed), because libseccomp cannot AND two tests of one argument.
Status add_rules(void* ctx, int nr, uint32_t action, const std::vector<scmp_arg_cmp>& conditions,
                 const std::string& where, const std::string& name) {
    bool repeated = false;
    for (size_t i = 0; i < conditions.size(); ++i)
        for (size_t j = i + 1; j < conditions.size(); ++j) repeated |= conditions[i].arg == conditions[j].arg;
    auto add = [&](const scmp_arg_cmp* cmp, unsigned int count) -> Status {
        const int r = seccomp_rule_add_array(ctx, action, nr, count, cmp);
        if (r < 0) return Error::sys(-r, where + ": add rule for " + quoted(name));
        return {};
    };
    if (!repeated) return add(conditions.data(), static_cast<unsigned int>(conditions.size()));
    for (const scmp_arg_cmp& cmp : conditions) BERTH_TRY(add(&cmp, 1));
    return {};
}

// Syscalls the child may make between loading the filter and execve to hand
// the notify fd over; SCMP_ACT_NOTIFY on them would deadlock (runc refuses
// NOTIFY on `write` for the same reason).
constexpr std::string_view kHandOffSyscalls[] = {"write", "sendmsg"};

// The kernel answers EFAULT (bad program pointer) for flags it knows and
// EINVAL for the others, so probing costs one syscall and loads nothing.
// WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER.
bool kernel_accepts(unsigned int flag) {
    if (flag & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, nullptr) != 0 && errno == EFAULT;
}

Result<std::vector<sock_filter>> export_program(void* ctx) {
    UniqueFd mem(memfd_create("berth-seccomp", MFD_CLOEXEC));
    if (!mem) return Error::from_errno("memfd_create");
    if (const int r = seccomp_export_bpf(ctx, mem.get()); r < 0) return Error::sys(-r, "seccomp_export_bpf");
    struct stat st {};
    if (fstat(mem.get(), &st) != 0) return Error::from_errno("fstat seccomp program");
    if (st.st_size % sizeof(sock_filter) != 0) return Error::msg("seccomp_export_bpf wrote a partial program");
    std::vector<sock_filter> program(st.st_size / sizeof(sock_filter));
    const ssize_t n = pread(mem.get(), program.data(), st.st_size, 0);
    if (n != st.st_size) return Error::from_errno("read seccomp program");
    return program;
}

}  // namespace

Result<unsigned int> seccomp_load_flags(const oci::Seccomp& seccomp, bool notify) {
    // The notify fd has nowhere to go otherwise (runc refuses this too).
    if (notify && seccomp.listenerPath.value_or("").empty())
        return Error::msg("config.json: linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
    unsigned int result = 0;
    if (!seccomp.flags) {
        // runc 1.2+'s default when the config names no flags (not even []):
        // the filter does not force the speculative store bypass mitigation
        // on the container, where the kernel takes the flag.
        if (kernel_accepts(SECCOMP_FILTER_FLAG_SPEC_ALLOW)) result = SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    } else {
        const std::vector<std::string>& flags = *seccomp.flags;
        for (size_t i = 0; i < flags.size(); ++i) {
            const unsigned int* flag = find(kFlags, flags[i]);
            const std::string where = "config.json: linux.seccomp.flags[" + std::to_string(i) + "]";
            if (flag == nullptr) return Error::msg(where + ": unknown flag " + quoted(flags[i]));
            if (!kernel_accepts(*flag)) return Error::msg(where + ": " + flags[i] + " is not supported by this kernel");
            result |= *flag;
        }
    }
    // WAIT_KILLABLE_RECV only changes how a listener waits and the kernel
    // rejects it without one; as libseccomp does, it is dropped when the
    // profile has no SCMP_ACT_NOTIFY rule.
    if (!notify) {
        result &= ~static_cast<unsigned int>(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
    } else {
        result |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        // TSYNC and a listener are only compatible with TSYNC_ESRCH (the child is
        // single-threaded, so TSYNC has nothing to synchronise anyway).
        if (result & SECCOMP_FILTER_FLAG_TSYNC) result |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
    return result;
}

Result<SeccompProgram> compile_seccomp(const oci::Seccomp& seccomp) {
    BERTH_TRY_ASSIGN(const uint32_t default_action,
                     action_value(seccomp.defaultAction, seccomp.defaultErrnoRet, "config.json: linux.seccomp.defaultAction",
                                  "defaultErrnoRet"));
    if (default_action == SCMP_ACT_NOTIFY)
        return Error::msg("config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
    Filter ctx(seccomp_init(default_action));
    if (!ctx) return Error::msg("config.json: linux.seccomp: libseccomp could not create a filter");
    // A binary tree of syscall numbers instead of a linear list: large
    // profiles (Docker's ~350 syscalls) run much faster in the kernel.
    if (const int r = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); r < 0)
        return Error::sys(-r, "config.json: linux.seccomp: enable the binary-tree optimisation");

    std::vector<uint32_t> arch_tokens = {seccomp_arch_native()};
    for (size_t i = 0; i < seccomp.architectures.size(); ++i) {
        const std::string& name = seccomp.architectures[i];
        const uint32_t* arch = find(kArchitectures, name);
        const std::string where = "config.json: linux.seccomp.architectures[" + std::to_string(i) + "]";
        if (arch == nullptr) return Error::msg(where + ": unknown architecture " + quoted(name));
        const int r = seccomp_arch_add(ctx.get(), *arch);
        if (r < 0 && r != -EEXIST) return Error::sys(-r, where + ": add " + name);
        if (r == 0) arch_tokens.push_back(*arch);
    }

    bool notify = false;
    for (size_t i = 0; i < seccomp.syscalls.size(); ++i) {
        const oci::SeccompSyscall& call = seccomp.syscalls[i];
        const std::string where = "config.json: linux.seccomp.syscalls[" + std::to_string(i) + "]";
        BERTH_TRY_ASSIGN(const uint32_t action,
                         action_value(call.action, call.errnoRet, where + ".action", "errnoRet"));
        BERTH_TRY_ASSIGN(const std::vector<scmp_arg_cmp> conditions, conditions_of(call, where));
        // libseccomp refuses a rule that repeats the default action; it would be a no-op anyway.
        if (action == default_action) continue;
        for (size_t j = 0; j < call.names.size(); ++j) {
            const std::string& name = call.names[j];
            if (action == SCMP_ACT_NOTIFY) {
                for (std::string_view hand_off : kHandOffSyscalls)
                    if (name == hand_off)
                        return Error::msg(where + ".names[" + std::to_string(j) + "]: SCMP_ACT_NOTIFY cannot be used for the " +
                                          name + " syscall (berth needs it to pass the notify fd on)");
            }
            const int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR) continue;  // unknown to this libseccomp: skipped, as runc does
            BERTH_TRY(add_rules(ctx.get(), nr, action, conditions, where, name));
            notify |= action == SCMP_ACT_NOTIFY;
        }
    }

    SeccompProgram program;
    program.filter = enosys_stub(seccomp, default_action, arch_tokens);
    BERTH_TRY_ASSIGN(const std::vector<sock_filter> filter, export_program(ctx.get()));
    program.filter.insert(program.filter.end(), filter.begin(), filter.end());
    if (program.filter.size() > BPF_MAXINSNS)
        return Error::msg("config.json: linux.seccomp: the filter has " + std::to_string(program.filter.size()) +
                          " instructions, the kernel takes at most " + std::to_string(BPF_MAXINSNS));
    BERTH_TRY_ASSIGN(program.flags, seccomp_load_flags(seccomp, notify));
    program.notify = notify;
    return program;
}

std::vector<std::string_view> seccomp_known_actions() { return names_of(kActions); }
std::vector<std::string_view> seccomp_known_operators() { return names_of(kOperators); }
std::vector<std::string_view> seccomp_known_architectures() { return names_of(kArchitectures); }
std::vector<std::string_view> seccomp_known_flags() { return names_of(kFlags); }

std::vector<std::string_view> seccomp_supported_flags() {
    std::vector<std::string_view> supported;
    for (const auto& flag : kFlags)
        if (kernel_accepts(flag.value)) supported.push_back(flag.name);
    return supported;
}

bool load_seccomp(const SeccompProgram& prog, int* notify_fd, ChildError& err) noexcept {
    sock_fprog fprog{static_cast<unsigned short>(prog.filter.size()), const_cast<sock_filter*>(prog.filter.data())};
    const long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog.flags, &fprog);
    if (r < 0) return err.fail(errno, "load seccomp filter (%zu instructions, flags %#x)", prog.filter.size(), prog.flags);
    if (notify_fd != nullptr) *notify_fd = prog.notify ? static_cast<int>(r) : -1;
    return true;
}

}  // namespace berth::linux_setup
