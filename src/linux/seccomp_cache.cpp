#include "berth/linux/seccomp_cache.hpp"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "berth/util/fd.hpp"
#include "berth/version.hpp"

namespace berth::linux_setup {
namespace {

constexpr char kMagic[8] = {'B', 'S', 'E', 'C', 'C', 'C', '0', '1'};
constexpr const char* kCacheDir = "@seccomp-cache";

// Length-prefixed fields: no separator can be forged by a crafted string.
void field(std::string& out, std::string_view value) {
    out += std::to_string(value.size());
    out += ':';
    out += value;
}
void field(std::string& out, uint64_t value) { field(out, std::to_string(value)); }

uint64_t fnv1a(std::string_view data, uint64_t hash) {
    for (const unsigned char c : data) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

template <class T>
void append_raw(std::string& out, const T& value) {
    out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

template <class T>
bool take_raw(std::string_view& in, T& value) {
    if (in.size() < sizeof(value)) return false;
    std::memcpy(&value, in.data(), sizeof(value));
    in.remove_prefix(sizeof(value));
    return true;
}

// Cache files must be ours and not writable by anybody else; anything else is
// ignored (a planted filter would be a sandbox escape).
bool trusted(int fd, bool directory) {
    struct stat st {};
    if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) return false;
    return directory ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
}

UniqueFd open_cache_dir(const std::string& state_root) {
    const std::string dir = state_root + "/" + kCacheDir;
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return {};
    UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd || !trusted(fd.get(), true)) return {};
    return fd;
}

std::optional<SeccompProgram> read_entry(int dir, const std::string& name, const std::string& input) {
    UniqueFd fd(openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd || !trusted(fd.get(), false)) return std::nullopt;
    struct stat st {};
    if (fstat(fd.get(), &st) != 0 || st.st_size > (16 << 20)) return std::nullopt;
    std::string data(static_cast<size_t>(st.st_size), '\0');
    if (pread(fd.get(), data.data(), data.size(), 0) != st.st_size) return std::nullopt;
    std::string_view in(data);
    char magic[sizeof(kMagic)];
    uint64_t input_size = 0;
    uint8_t notify = 0;
    uint64_t count = 0;
    if (!take_raw(in, magic) || std::memcmp(magic, kMagic, sizeof(kMagic)) != 0) return std::nullopt;
    if (!take_raw(in, input_size) || input_size != input.size() || in.size() < input_size) return std::nullopt;
    if (in.substr(0, input_size) != input) return std::nullopt;  // a hash collision, or stale
    in.remove_prefix(input_size);
    if (!take_raw(in, notify) || !take_raw(in, count) || count == 0 || count > BPF_MAXINSNS ||
        in.size() != count * sizeof(sock_filter))
        return std::nullopt;
    SeccompProgram program;
    program.filter.resize(count);
    std::memcpy(program.filter.data(), in.data(), in.size());
    program.notify = notify != 0;
    return program;
}

// Best effort: a failure only means the next container compiles again.
void write_entry(int dir, const std::string& name, const std::string& input, const SeccompProgram& program) {
    std::string data(kMagic, sizeof(kMagic));
    append_raw(data, static_cast<uint64_t>(input.size()));
    data += input;
    append_raw(data, static_cast<uint8_t>(program.notify));
    append_raw(data, static_cast<uint64_t>(program.filter.size()));
    data.append(reinterpret_cast<const char*>(program.filter.data()), program.filter.size() * sizeof(sock_filter));
    const std::string temp = name + ".tmp." + std::to_string(getpid());
    UniqueFd fd(openat(dir, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return;
    const bool ok = write(fd.get(), data.data(), data.size()) == static_cast<ssize_t>(data.size());
    fd.reset();
    if (!ok || renameat(dir, temp.c_str(), dir, name.c_str()) != 0) unlinkat(dir, temp.c_str(), 0);
}

std::string key_of(const std::string& input) {
    char key[33];
    std::snprintf(key, sizeof(key), "%016" PRIx64 "%016" PRIx64, fnv1a(input, 0xcbf29ce484222325ULL),
                  fnv1a(input, 0x84222325cbf29ce4ULL));
    return key;
}

}  // namespace

std::string seccomp_cache_input(const oci::Seccomp& seccomp) {
    std::string out;
    const scmp_version* lib = seccomp_version();
    field(out, std::string("berth ") + kVersion + " " + kCommit);
    field(out, std::to_string(lib->major) + "." + std::to_string(lib->minor) + "." + std::to_string(lib->micro));
    field(out, seccomp_arch_native());
    // Only what shapes the BPF program: flags and the listener are applied at
    // load time and are not part of the cached entry.
    field(out, seccomp.defaultAction);
    field(out, seccomp.defaultErrnoRet ? std::to_string(*seccomp.defaultErrnoRet) : "-");
    field(out, seccomp.architectures.size());
    for (const std::string& arch : seccomp.architectures) field(out, arch);
    field(out, seccomp.syscalls.size());
    for (const oci::SeccompSyscall& call : seccomp.syscalls) {
        field(out, call.names.size());
        for (const std::string& name : call.names) field(out, name);
        field(out, call.action);
        field(out, call.errnoRet ? std::to_string(*call.errnoRet) : "-");
        field(out, call.args.size());
        for (const oci::SeccompArg& arg : call.args) {
            field(out, arg.index);
            field(out, arg.value);
            field(out, arg.valueTwo);
            field(out, arg.op);
        }
    }
    return out;
}

std::string seccomp_cache_key(const oci::Seccomp& seccomp) { return key_of(seccomp_cache_input(seccomp)); }

Result<SeccompProgram> compile_seccomp_cached(const oci::Seccomp& seccomp, const std::string& state_root) {
    UniqueFd dir = open_cache_dir(state_root);
    if (!dir) return compile_seccomp(seccomp);
    const std::string input = seccomp_cache_input(seccomp);
    const std::string name = key_of(input) + ".bpf";
    if (std::optional<SeccompProgram> hit = read_entry(dir.get(), name, input)) {
        BERTH_TRY_ASSIGN(hit->flags, seccomp_load_flags(seccomp, hit->notify));
        return std::move(*hit);
    }
    BERTH_TRY_ASSIGN(SeccompProgram program, compile_seccomp(seccomp));
    write_entry(dir.get(), name, input, program);
    return program;
}

}  // namespace berth::linux_setup
