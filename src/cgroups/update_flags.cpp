#include "berth/cgroups/update_flags.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace berth::cgroups {
namespace {

// Go's strconv error text, which runc passes through.
Error syntax_error(const char* fn, const std::string& flag, const std::string& value, bool range) {
    return Error::msg("invalid value for " + flag + ": strconv." + fn + ": parsing \"" + value + "\": " +
                      (range ? "value out of range" : "invalid syntax"));
}

Result<uint64_t> parse_uint(const std::string& flag, const std::string& value) {
    if (value.empty() || !std::isdigit(static_cast<unsigned char>(value[0])))
        return syntax_error("ParseUint", flag, value, false);
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(value.c_str(), &end, 10);
    if (*end != '\0') return syntax_error("ParseUint", flag, value, false);
    if (errno == ERANGE) return syntax_error("ParseUint", flag, value, true);
    return static_cast<uint64_t>(v);
}

Result<int64_t> parse_int(const std::string& flag, const std::string& value) {
    size_t digits = value.size() > 0 && (value[0] == '-' || value[0] == '+') ? 1 : 0;
    if (value.size() <= digits || !std::isdigit(static_cast<unsigned char>(value[digits])))
        return syntax_error("ParseInt", flag, value, false);
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(value.c_str(), &end, 10);
    if (*end != '\0') return syntax_error("ParseInt", flag, value, false);
    if (errno == ERANGE) return syntax_error("ParseInt", flag, value, true);
    return static_cast<int64_t>(v);
}

// runc: "-1" means unlimited, anything else is a size.
Result<int64_t> parse_memory_flag(const std::string& flag, const std::string& value) {
    if (value == "-1") return int64_t{-1};
    auto v = parse_ram_size(value);
    if (!v) return std::move(v).error().wrap("invalid value for " + flag);
    return v;
}

}  // namespace

Result<int64_t> parse_ram_size(std::string_view text) {
    auto invalid = [&] { return Error::msg("invalid size: '" + std::string(text) + "'"); };
    size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    std::string number(text.substr(0, i));
    if (number.empty() || number.front() == '.' || number.back() == '.' || number.find("..") != std::string::npos)
        return invalid();
    std::string_view suffix = text.substr(i);
    if (!suffix.empty() && suffix.front() == ' ') suffix.remove_prefix(1);
    double mul = 1;
    if (!suffix.empty()) {
        const char* units = "kmgtp";
        const char* u = std::strchr(units, std::tolower(static_cast<unsigned char>(suffix.front())));
        if (u && *u) {
            mul = std::pow(1024.0, static_cast<double>(u - units + 1));
            suffix.remove_prefix(1);
        }
    }
    if (!suffix.empty() && (suffix.front() == 'i' || suffix.front() == 'I')) suffix.remove_prefix(1);
    if (!suffix.empty() && (suffix.front() == 'b' || suffix.front() == 'B')) suffix.remove_prefix(1);
    if (!suffix.empty()) return invalid();
    // The units regexp admits "1.2.3" but Go's ParseFloat then fails it.
    if (std::count(number.begin(), number.end(), '.') > 1) return invalid();
    double size = std::strtod(number.c_str(), nullptr) * mul;
    if (size >= 9.2233720368547758e18) return invalid();
    return static_cast<int64_t>(size);
}

Result<oci::Resources> resources_from_flags(const UpdateFlags& f) {
    oci::Resources r;
    auto& mem = r.memory.emplace();
    auto& cpu = r.cpu.emplace();
    struct {
        const char* flag;
        const std::string& value;
        std::optional<int64_t>& dest;
    } memory_flags[] = {{"memory", f.memory, mem.limit},
                        {"memory-swap", f.memory_swap, mem.swap},
                        {"kernel-memory", f.kernel_memory, mem.kernel},
                        {"kernel-memory-tcp", f.kernel_memory_tcp, mem.kernelTCP},
                        {"memory-reservation", f.memory_reservation, mem.reservation}};
    for (auto& m : memory_flags)
        if (!m.value.empty()) {
            BERTH_TRY_ASSIGN(m.dest, parse_memory_flag(m.flag, m.value));
        }
    struct {
        const char* flag;
        const std::string& value;
        std::optional<uint64_t>& dest;
    } uint_flags[] = {{"cpu-burst", f.cpu_burst, cpu.burst},
                      {"cpu-period", f.cpu_period, cpu.period},
                      {"cpu-rt-period", f.cpu_rt_period, cpu.realtimePeriod},
                      {"cpu-share", f.cpu_share, cpu.shares}};
    for (auto& u : uint_flags)
        if (!u.value.empty()) {
            BERTH_TRY_ASSIGN(u.dest, parse_uint(u.flag, u.value));
        }
    struct {
        const char* flag;
        const std::string& value;
        std::optional<int64_t>& dest;
    } int_flags[] = {{"cpu-quota", f.cpu_quota, cpu.quota}, {"cpu-rt-runtime", f.cpu_rt_runtime, cpu.realtimeRuntime}};
    for (auto& i : int_flags)
        if (!i.value.empty()) {
            BERTH_TRY_ASSIGN(i.dest, parse_int(i.flag, i.value));
        }
    if (!f.cpu_idle.empty()) {
        BERTH_TRY_ASSIGN(cpu.idle, parse_int("cpu-idle", f.cpu_idle));
    }
    if (!f.cpuset_cpus.empty()) cpu.cpus = f.cpuset_cpus;
    if (!f.cpuset_mems.empty()) cpu.mems = f.cpuset_mems;
    if (f.pids_limit) r.pids = oci::Pids{*f.pids_limit};
    if (f.blkio_weight != 0) {
        if (f.blkio_weight > UINT16_MAX) return Error::msg("invalid value for blkio-weight: " + std::to_string(f.blkio_weight));
        r.blockIO.emplace().weight = static_cast<uint16_t>(f.blkio_weight);
    }
    return r;
}

}  // namespace berth::cgroups
