#include "berth/cgroups/systemd_properties.hpp"

#include <charconv>
#include <limits>
#include <optional>

#include "berth/cgroups/convert.hpp"
#include "berth/cgroups/devices.hpp"
#include "berth/cgroups/devices_v1.hpp"
#include "berth/cgroups/resources.hpp"
#include "berth/util/log.hpp"

namespace berth::cgroups::systemd {
namespace {

using dbus::Property;
using dbus::Value;

constexpr uint64_t kInfinity = std::numeric_limits<uint64_t>::max();  // systemd's USEC/CGROUP_LIMIT_MAX
constexpr uint64_t kDefaultPeriod = 100000;                            // the kernel's, in µs
constexpr uint64_t kUsecPerSec = 1000000;
// systemd keeps the quota as a whole percentage of a CPU: 10 ms per second.
constexpr uint64_t kQuotaStep = 10000;
// Beyond any kernel's CPU or NUMA node count; bounds the bitmask we build.
constexpr uint64_t kMaxCpusetIndex = 65535;

Property u64(std::string name, uint64_t value) { return {std::move(name), Value::uint64(value)}; }

// An OCI limit where any negative value means none.
uint64_t limit_value(int64_t value) { return value < 0 ? kInfinity : static_cast<uint64_t>(value); }

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::optional<uint64_t> parse_u64(std::string_view s) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

std::string_view trim(std::string_view s) {
    const char* space = " \t\n\r\f\v";
    size_t first = s.find_first_not_of(space);
    if (first == s.npos) return {};
    return s.substr(first, s.find_last_not_of(space) - first + 1);
}

// CPUQuotaPeriodUSec and CPUQuotaPerSecUSec for a quota (0: not given,
// negative: unlimited) and period (0: not given) in µs. systemd keeps the quota
// per second rounded up to 10 ms; the files still get the exact quota, as runc
// writes them after the properties (cpu.max holds what was asked until systemd
// re-realizes the unit). A period without a quota leaves systemd's quota per
// second alone (runc sets it unlimited: its callers always pass both).
Status add_cpu_quota(std::vector<Property>& out, int64_t quota, uint64_t period, const Host& host) {
    if (period != 0 && host.at_least(kCpuQuotaPeriodVersion)) out.push_back(u64("CPUQuotaPeriodUSec", period));
    if (quota == 0) return {};
    if (quota < 0) {
        out.push_back(u64("CPUQuotaPerSecUSec", kInfinity));
        return {};
    }
    using Wide = unsigned __int128;
    Wide effective_period = period != 0 ? period : kDefaultPeriod;
    Wide per_sec = Wide(quota) * kUsecPerSec / effective_period;
    if (per_sec % kQuotaStep != 0) per_sec = (per_sec / kQuotaStep + 1) * kQuotaStep;
    if (per_sec >= kInfinity)
        return Error::msg("quota " + std::to_string(quota) + " per period " + std::to_string(uint64_t(effective_period)) +
                          ": too large for systemd's CPUQuotaPerSecUSec");
    out.push_back(u64("CPUQuotaPerSecUSec", static_cast<uint64_t>(per_sec)));
    return {};
}

Status add_cpuset(std::vector<Property>& out, const char* property, std::string_view list, const Host& host) {
    BERTH_TRY_ASSIGN(auto bits, cpuset_bits(list));
    // Older systemd has no such property; the files still get the list.
    if (host.at_least(kAllowedCpusVersion)) out.push_back({property, Value::bytes(bits)});
    return {};
}

// cpu.idle=1 is CPUWeight=0 since systemd 252 (no way to ask for idle 0).
bool idle_as_weight(std::optional<int64_t> idle, const Host& host) {
    return idle && *idle == 1 && host.at_least(kCpuIdleVersion);
}

void add_tasks_max(std::vector<Property>& out, const oci::Pids& pids) {
    // 0 is a limit (runtime-spec 1.3); systemd has no TasksMax=0, so it is 1,
    // as runc asks and as the cgroupfs code writes (pids_max).
    if (pids.limit) out.push_back(u64("TasksMax", *pids.limit == 0 ? 1 : limit_value(*pids.limit)));
}

Status add_cpu(std::vector<Property>& out, const oci::CPU& cpu, const Host& host, oci::CPU& files) {
    if (host.unified) {
        bool idle = idle_as_weight(cpu.idle, host);
        if (idle) out.push_back(u64("CPUWeight", 0));
        // Both are systemd's CPUWeight: idle wins, as in runc. The files do
        // without the weight too: systemd made the group idle first, and the
        // kernel refuses a weight then.
        if (cpu.shares && *cpu.shares != 0) {
            if (idle) {
                warn("unable to apply both linux.resources.cpu.shares and cpu.idle to systemd (both are its CPUWeight), "
                     "ignoring the shares");
                files.shares.reset();
            } else {
                out.push_back(u64("CPUWeight", shares_to_weight(*cpu.shares)));
            }
        }
    } else if (cpu.shares && *cpu.shares != 0) {
        out.push_back(u64("CPUShares", *cpu.shares));
    }
    Status quota = add_cpu_quota(out, cpu.quota.value_or(0), cpu.period.value_or(0), host);
    if (!quota) return std::move(quota).error().wrap("linux.resources.cpu.quota");
    if (cpu.cpus && !cpu.cpus->empty()) {
        Status st = add_cpuset(out, "AllowedCPUs", *cpu.cpus, host);
        if (!st) return std::move(st).error().wrap("linux.resources.cpu.cpus " + quoted(*cpu.cpus));
    }
    if (cpu.mems && !cpu.mems->empty()) {
        Status st = add_cpuset(out, "AllowedMemoryNodes", *cpu.mems, host);
        if (!st) return std::move(st).error().wrap("linux.resources.cpu.mems " + quoted(*cpu.mems));
    }
    return {};
}

Status add_memory(std::vector<Property>& out, const oci::Memory& memory, bool unified) {
    int64_t limit = memory.limit.value_or(0);
    if (!unified) {
        if (limit != 0) out.push_back(u64("MemoryLimit", limit_value(limit)));
        return {};
    }
    if (limit != 0) out.push_back(u64("MemoryMax", limit_value(limit)));
    if (memory.reservation && *memory.reservation != 0) out.push_back(u64("MemoryLow", limit_value(*memory.reservation)));
    BERTH_TRY_ASSIGN(int64_t swap, swap_to_v2(memory.swap.value_or(0), limit));
    if (swap != 0) out.push_back(u64("MemorySwapMax", limit_value(swap)));
    return {};
}

void add_block_io(std::vector<Property>& out, const oci::BlockIO& io, bool unified) {
    if (!io.weight || *io.weight == 0) return;
    // runc has IOWeight in neither table; without it systemd, which enables
    // IO accounting, writes io.weight back to its default on every re-realize.
    if (unified)
        out.push_back(u64("IOWeight", blkio_to_io_weight(*io.weight)));
    else
        out.push_back(u64("BlockIOWeight", *io.weight));
}

// "max" or a number, as the memory.* and pids.max files take them.
Result<uint64_t> parse_max(std::string_view value) {
    if (value == "max") return kInfinity;
    auto v = parse_u64(value);
    if (!v) return Error::msg("expected \"max\" or a non-negative integer");
    return *v;
}

// "quota [period]" as cpu.max takes it, quota "max" for unlimited.
Status add_unified_cpu_max(std::vector<Property>& out, std::string_view value, const Host& host) {
    std::vector<std::string_view> fields;
    for (size_t pos = 0; pos < value.size();) {
        size_t end = value.find_first_of(" \t", pos);
        if (end == value.npos) end = value.size();
        if (end > pos) fields.push_back(value.substr(pos, end - pos));
        pos = end + 1;
    }
    if (fields.empty() || fields.size() > 2) return Error::msg("expected \"<quota|max> [period]\"");
    int64_t quota = -1;
    if (fields[0] != "max") {
        auto q = parse_u64(fields[0]);
        if (!q || *q == 0 || *q > uint64_t(std::numeric_limits<int64_t>::max()))
            return Error::msg("quota " + quoted(fields[0]) + ": expected \"max\" or a positive integer");
        quota = static_cast<int64_t>(*q);
    }
    uint64_t period = kDefaultPeriod;  // as runc: systemd gets the period even when the value has none
    if (fields.size() == 2) {
        auto p = parse_u64(fields[1]);
        if (!p || *p == 0) return Error::msg("period " + quoted(fields[1]) + ": expected a positive integer");
        period = *p;
    }
    return add_cpu_quota(out, quota, period, host);
}

// One linux.resources.unified entry; `file` is its value in the files, which
// becomes systemd's where that differs.
Status add_unified(std::vector<Property>& out, const std::string& key, std::string& file, const Host& host,
                   bool idle) {
    std::string_view value = trim(file);
    if (key == "cpu.idle") {
        if (idle) out.push_back(u64("CPUWeight", 0));
    } else if (key == "cpu.weight") {
        if (idle) {
            warn("unable to apply both linux.resources.unified[\"cpu.weight\"] and [\"cpu.idle\"] to systemd (both are its "
                 "CPUWeight), ignoring cpu.weight");
            return {};
        }
        auto weight = parse_u64(value);
        // systemd would take 0 as idle; the kernel refuses it.
        if (!weight || *weight < 1 || *weight > 10000) return Error::msg("expected an integer from 1 to 10000");
        out.push_back(u64("CPUWeight", *weight));
    } else if (key == "cpu.max") {
        BERTH_TRY(add_unified_cpu_max(out, value, host));
    } else if (key == "cpuset.cpus" || key == "cpuset.mems") {
        BERTH_TRY(add_cpuset(out, key == "cpuset.cpus" ? "AllowedCPUs" : "AllowedMemoryNodes", value, host));
    } else if (key == "memory.high" || key == "memory.low" || key == "memory.min" || key == "memory.max" ||
               key == "memory.swap.max") {
        static const std::map<std::string, std::string> kNames = {
            {"memory.high", "MemoryHigh"}, {"memory.low", "MemoryLow"},         {"memory.min", "MemoryMin"},
            {"memory.max", "MemoryMax"},   {"memory.swap.max", "MemorySwapMax"}};
        BERTH_TRY_ASSIGN(uint64_t limit, parse_max(value));
        out.push_back(u64(kNames.at(key), limit));
    } else if (key == "pids.max") {
        BERTH_TRY_ASSIGN(uint64_t limit, parse_max(value));
        // systemd refuses TasksMax=0; runc asks for 1, and so must the file.
        if (limit == 0) {
            limit = 1;
            file = "1";
        }
        out.push_back(u64("TasksMax", limit));
    }
    // Anything else (memory.oom.group is OOMPolicy, a start property) only
    // goes to the files.
    return {};
}

Status add_unified_map(std::vector<Property>& out, std::map<std::string, std::string>& unified, const Host& host) {
    auto idle_it = unified.find("cpu.idle");
    bool idle = idle_it != unified.end() && trim(idle_it->second) == "1" && host.at_least(kCpuIdleVersion);
    for (auto& [key, value] : unified) {
        BERTH_TRY(check_unified_key(key));
        std::string original = value;
        Status st = add_unified(out, key, value, host, idle);
        if (!st) return std::move(st).error().wrap("linux.resources.unified[" + quoted(key) + "] " + quoted(original));
    }
    return {};
}

Value device_allow(std::vector<Value> entries) { return Value::array("(ss)", std::move(entries)); }

// The DeviceAllow path of one allowed device (group); "" when systemd cannot say it.
std::string device_allow_path(const DeviceKey& key, const Host& host) {
    std::string group = key.type == 'b' ? "block-" : "char-";
    if (key.major < 0) {
        if (key.minor < 0) return group + "*";
        warn("systemd has no device rule for \"" + std::string(1, key.type) + " *:" + std::to_string(key.minor) +
             "\": left to the container's own device filter");
        return {};
    }
    if (key.minor < 0) {
        // The group's name works on every systemd (runc 1.1 only uses names);
        // the number only since 240, and only that needs systemd's version.
        std::string named = device_group(host.proc_devices, key.type, key.major);
        if (!named.empty()) return named;
        if (host.at_least(kDeviceGroupGlobVersion)) return group + std::to_string(key.major);
        warn("no device group for major " + std::to_string(key.major) +
             " in /proc/devices: systemd gets no rule for it, the container's own device filter has it");
        return {};
    }
    // systemd older than 240 stats this path and skips the rule when it does
    // not exist (runc skips it itself): the container's filter still has it.
    return (key.type == 'b' ? "/dev/block/" : "/dev/char/") + std::to_string(key.major) + ":" +
           std::to_string(key.minor);
}

// OOMPolicy for unified memory.oom.group: systemd kills the whole unit on an
// OOM kill (1) or lets the rest continue (0); other values only go to the file.
Status add_oom_policy(std::vector<Property>& out, const std::map<std::string, std::string>& unified, const Host& host) {
    auto it = unified.find("memory.oom.group");
    if (it == unified.end() || !host.at_least(kOomPolicyVersion)) return {};
    auto group = parse_u64(trim(it->second));
    if (!group)
        return Error::msg("linux.resources.unified[\"memory.oom.group\"] " + quoted(it->second) + ": expected 0 or 1");
    if (*group <= 1) out.push_back({"OOMPolicy", Value::string(*group == 1 ? "kill" : "continue")});
    return {};
}

}  // namespace

Result<std::vector<Property>> start_properties(const Unit& unit, std::string_view container_id,
                                               const std::vector<uint32_t>& pids,
                                               const std::vector<Property>& annotations,
                                               const oci::Resources* resources, const Host& host) {
    std::vector<Property> out = {{"Description", Value::string("berth container " + std::string(container_id))}};
    if (unit.is_slice()) {
        out.push_back({"Wants", Value::array("s", {Value::string(unit.parent)})});
    } else {
        out.push_back({"Slice", Value::string(unit.parent)});
        out.push_back({"Delegate", Value::boolean(true)});
    }
    if (!pids.empty()) {
        std::vector<Value> items;
        for (uint32_t pid : pids) items.push_back(Value::uint32(pid));
        out.push_back({"PIDs", Value::array("u", std::move(items))});
    }
    for (const char* name : {"MemoryAccounting", "CPUAccounting", host.unified ? "IOAccounting" : "BlockIOAccounting",
                             "TasksAccounting"})
        out.push_back({name, Value::boolean(true)});
    // No implicit ordering against shutdown or basic.target: the container's
    // lifetime is its manager's business.
    out.push_back({"DefaultDependencies", Value::boolean(false)});
    out.insert(out.end(), annotations.begin(), annotations.end());
    if (resources && host.unified) BERTH_TRY(add_oom_policy(out, resources->unified, host));
    return out;
}

Result<std::vector<uint8_t>> cpuset_bits(std::string_view list) {
    std::vector<uint8_t> bytes;
    auto set = [&](uint64_t n) {
        if (bytes.size() <= n / 8) bytes.resize(n / 8 + 1);
        bytes[n / 8] |= uint8_t(1u << (n % 8));
    };
    for (size_t pos = 0; pos <= list.size();) {
        size_t comma = list.find(',', pos);
        if (comma == list.npos) comma = list.size();
        std::string_view item = trim(list.substr(pos, comma - pos));
        pos = comma + 1;
        if (item.empty()) continue;
        size_t dash = item.find('-');
        auto first = parse_u64(item.substr(0, dash));
        auto last = dash == item.npos ? first : parse_u64(item.substr(dash + 1));
        if (!first || !last) return Error::msg("invalid item " + quoted(item));
        if (*first > *last) return Error::msg("invalid range " + quoted(item));
        if (*last > kMaxCpusetIndex) return Error::msg(quoted(item) + ": " + std::to_string(*last) + " is out of range");
        for (uint64_t n = *first; n <= *last; ++n) set(n);
    }
    if (bytes.empty()) return Error::msg("empty list");
    return bytes;
}

std::string device_group(std::string_view proc_devices, char type, int64_t major) {
    std::string want = std::to_string(major);
    char section = 0;
    for (size_t pos = 0; pos < proc_devices.size();) {
        size_t end = proc_devices.find('\n', pos);
        if (end == proc_devices.npos) end = proc_devices.size();
        std::string_view line = trim(proc_devices.substr(pos, end - pos));
        pos = end + 1;
        if (line == "Character devices:") section = 'c';
        else if (line == "Block devices:") section = 'b';
        else if (section == type && line.size() > want.size() && line.substr(0, want.size()) == want &&
                 line[want.size()] == ' ')
            return (type == 'b' ? "block-" : "char-") + std::string(trim(line.substr(want.size())));
    }
    return {};
}

Result<std::vector<Property>> device_properties(const std::vector<oci::DeviceCgroup>& rules, const Host& host) {
    BERTH_TRY_ASSIGN(DeviceState state, emulate_device_rules(with_default_devices(rules)));
    // An empty DeviceAllow first: it clears what the unit had (on update).
    std::vector<Property> out = {{"DeviceAllow", device_allow({})}};
    if (state.default_allow) {
        if (state.exceptions.empty()) {
            out.push_back({"DevicePolicy", Value::string("auto")});
            return out;
        }
        // systemd has no deny list: as runc, deny everything there for now.
        warn("systemd has no deny-list device rules: its device policy denies every device, the container's own "
             "device filter applies the rules");
        out.push_back({"DevicePolicy", Value::string("strict")});
        return out;
    }
    out.push_back({"DevicePolicy", Value::string("strict")});
    std::vector<Value> allowed;
    for (const auto& [key, bits] : state.exceptions) {
        std::string path = device_allow_path(key, host);
        if (!path.empty())
            allowed.push_back(Value::structure({Value::string(path), Value::string(device_access_letters(bits))}));
    }
    out.push_back({"DeviceAllow", device_allow(std::move(allowed))});
    return out;
}

Result<ResourceProperties> resource_properties(const oci::Resources& resources, const Host& host) {
    ResourceProperties result{{}, resources};
    auto& out = result.properties;
    BERTH_TRY_ASSIGN(out, device_properties(resources.devices, host));
    if (resources.memory) BERTH_TRY(add_memory(out, *resources.memory, host.unified));
    if (resources.cpu) BERTH_TRY(add_cpu(out, *resources.cpu, host, *result.files.cpu));
    if (resources.pids) add_tasks_max(out, *resources.pids);
    if (resources.blockIO) add_block_io(out, *resources.blockIO, host.unified);
    // On v1 the files step refuses `unified`; after the rest so that it wins,
    // as its files are written last.
    if (host.unified) BERTH_TRY(add_unified_map(out, result.files.unified, host));
    return result;
}

}  // namespace berth::cgroups::systemd
