#include "berth/cgroups/stats.hpp"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <climits>
#include <cstdio>
#include <cstdlib>

#include "berth/cgroups/files.hpp"
#include "berth/util/id_list.hpp"
#include "berth/util/json.hpp"

namespace berth::cgroups {
namespace {

// Missing files read as 0: not every kernel has every statistic.
uint64_t value_of(const std::string& path) {
    auto v = read_int(path);
    if (!v) return 0;
    return *v == INT64_MAX ? UINT64_MAX : static_cast<uint64_t>(*v);
}

std::vector<std::string_view> split_ws(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t')) ++i;
        size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\n' && s[j] != '\t') ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

uint64_t to_u64(std::string_view s) {
    uint64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

std::vector<std::string_view> lines(std::string_view s) {
    std::vector<std::string_view> out;
    size_t pos = 0;
    while (pos < s.size()) {
        size_t end = s.find('\n', pos);
        if (end == std::string_view::npos) end = s.size();
        if (end > pos) out.push_back(s.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

std::map<std::string, uint64_t> flat_file(const std::string& path) {
    auto text = read_file(path);
    return text ? parse_flat_keyed(*text) : std::map<std::string, uint64_t>{};
}

// Page sizes as the hugetlb files name them ("2MB", "1GB"), from /sys/kernel/mm/hugepages.
std::vector<std::string> hugepage_sizes() {
    std::vector<std::string> out;
    DIR* d = ::opendir("/sys/kernel/mm/hugepages");
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        std::string_view name = e->d_name;
        if (name.rfind("hugepages-", 0) != 0 || name.size() < 13) continue;
        uint64_t kb = to_u64(name.substr(10, name.size() - 12));
        const char* units[] = {"KB", "MB", "GB", "TB"};
        int u = 0;
        while (kb >= 1024 && kb % 1024 == 0 && u < 3) {
            kb /= 1024;
            ++u;
        }
        out.push_back(std::to_string(kb) + units[u]);
    }
    ::closedir(d);
    return out;
}

// v1 blkio lines "8:0 Read 4096" (and a "Total N" line without a device).
std::vector<BlkioEntry> blkio_v1(const std::string& path) {
    std::vector<BlkioEntry> out;
    auto text = read_file(path);
    if (!text) return out;
    for (auto line : lines(*text)) {
        auto f = split_ws(line);
        if (f.size() != 3) continue;
        size_t colon = f[0].find(':');
        if (colon == std::string_view::npos) continue;
        out.push_back({to_u64(f[0].substr(0, colon)), to_u64(f[0].substr(colon + 1)), std::string(f[1]), to_u64(f[2])});
    }
    return out;
}

void v1_stats(const Cgroup& cg, Stats& s) {
    if (auto d = cg.v1_dir("cpuacct"); !d.empty()) {
        s.cpu.total = value_of(d + "/cpuacct.usage");
        if (auto all = read_file(d + "/cpuacct.usage_all")) {
            auto ls = lines(*all);
            for (size_t i = 1; i < ls.size(); ++i) {  // "cpu user system"
                auto f = split_ws(ls[i]);
                if (f.size() != 3) continue;
                s.cpu.percpu_user.push_back(to_u64(f[1]));
                s.cpu.percpu_kernel.push_back(to_u64(f[2]));
            }
        }
        if (auto per = read_file(d + "/cpuacct.usage_percpu"))
            for (auto v : split_ws(*per)) s.cpu.percpu.push_back(to_u64(v));
        auto stat = flat_file(d + "/cpuacct.stat");  // clock ticks
        uint64_t tick_ns = 1000000000ull / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
        s.cpu.user = stat["user"] * tick_ns;
        s.cpu.kernel = stat["system"] * tick_ns;
    }
    if (auto d = cg.v1_dir("cpu"); !d.empty()) {
        auto stat = flat_file(d + "/cpu.stat");
        s.cpu.periods = stat["nr_periods"];
        s.cpu.throttled_periods = stat["nr_throttled"];
        s.cpu.throttled_time = stat["throttled_time"];
    }
    if (auto d = cg.v1_dir("cpuset"); !d.empty()) {
        auto& c = s.cpuset;
        if (auto v = read_line(d + "/cpuset.cpus")) c.cpus = parse_cpu_list(*v);
        if (auto v = read_line(d + "/cpuset.mems")) c.mems = parse_cpu_list(*v);
        c.cpu_exclusive = value_of(d + "/cpuset.cpu_exclusive");
        c.mem_hardwall = value_of(d + "/cpuset.mem_hardwall");
        c.mem_exclusive = value_of(d + "/cpuset.mem_exclusive");
        c.memory_migrate = value_of(d + "/cpuset.memory_migrate");
        c.memory_spread_page = value_of(d + "/cpuset.memory_spread_page");
        c.memory_spread_slab = value_of(d + "/cpuset.memory_spread_slab");
        c.memory_pressure = value_of(d + "/cpuset.memory_pressure");
        c.sched_load_balance = value_of(d + "/cpuset.sched_load_balance");
        auto level = read_int(d + "/cpuset.sched_relax_domain_level");
        c.sched_relax_domain_level = level ? *level : 0;
    }
    if (auto d = cg.v1_dir("memory"); !d.empty()) {
        auto& m = s.memory;
        m.raw = flat_file(d + "/memory.stat");
        m.cache = m.raw["cache"];
        auto entry = [&](const std::string& prefix) {
            return MemoryEntry{value_of(prefix + "limit_in_bytes"), value_of(prefix + "usage_in_bytes"),
                               value_of(prefix + "max_usage_in_bytes"), value_of(prefix + "failcnt")};
        };
        m.usage = entry(d + "/memory.");
        m.swap = entry(d + "/memory.memsw.");
        m.kernel = entry(d + "/memory.kmem.");
        m.kernel_tcp = entry(d + "/memory.kmem.tcp.");
    }
    if (auto d = cg.v1_dir("pids"); !d.empty()) {
        s.pids.current = value_of(d + "/pids.current");
        uint64_t limit = value_of(d + "/pids.max");
        s.pids.limit = limit == UINT64_MAX ? 0 : limit;
    }
    if (auto d = cg.v1_dir("blkio"); !d.empty()) {
        bool bfq = ::access((d + "/blkio.bfq.io_service_bytes_recursive").c_str(), F_OK) == 0;
        std::string prefix = d + (bfq ? "/blkio.bfq." : "/blkio.throttle.");
        s.io_service_bytes = blkio_v1(prefix + "io_service_bytes_recursive");
        s.io_serviced = blkio_v1(prefix + "io_serviced_recursive");
    }
    if (auto d = cg.v1_dir("hugetlb"); !d.empty()) {
        for (const auto& size : hugepage_sizes()) {
            std::string base = d + "/hugetlb." + size;
            s.hugetlb[size] = {value_of(base + ".usage_in_bytes"), value_of(base + ".max_usage_in_bytes"),
                               value_of(base + ".failcnt")};
        }
    }
}

void v2_hugetlb(const std::string& d, Stats& s) {
    for (const auto& size : hugepage_sizes()) {
        std::string base = d + "/hugetlb." + size;
        if (::access((base + ".current").c_str(), F_OK) != 0) continue;
        s.hugetlb[size] = {value_of(base + ".current"), 0, flat_file(base + ".events")["max"]};
    }
}

void v2_stats(const std::string& d, Stats& s) {
    auto cpu = flat_file(d + "/cpu.stat");
    s.cpu.total = cpu["usage_usec"] * 1000;
    s.cpu.user = cpu["user_usec"] * 1000;
    s.cpu.kernel = cpu["system_usec"] * 1000;
    s.cpu.periods = cpu["nr_periods"];
    s.cpu.throttled_periods = cpu["nr_throttled"];
    s.cpu.throttled_time = cpu["throttled_usec"] * 1000;
    if (auto v = read_line(d + "/cpuset.cpus.effective")) s.cpuset.cpus = parse_cpu_list(*v);
    if (auto v = read_line(d + "/cpuset.mems.effective")) s.cpuset.mems = parse_cpu_list(*v);

    auto& m = s.memory;
    m.raw = flat_file(d + "/memory.stat");
    m.cache = m.raw["file"];
    m.usage = {value_of(d + "/memory.max"), value_of(d + "/memory.current"), value_of(d + "/memory.peak"),
               flat_file(d + "/memory.events")["max"]};
    // As runc: swap reads like v1's memory+swap.
    m.swap = {value_of(d + "/memory.swap.max"), value_of(d + "/memory.swap.current"), 0,
              flat_file(d + "/memory.swap.events")["max"]};
    m.swap.usage += m.usage.usage;
    if (m.swap.limit != UINT64_MAX && m.usage.limit != UINT64_MAX) m.swap.limit += m.usage.limit;

    s.pids.current = value_of(d + "/pids.current");
    uint64_t limit = value_of(d + "/pids.max");
    s.pids.limit = limit == UINT64_MAX ? 0 : limit;

    if (auto io = read_file(d + "/io.stat")) {
        for (auto line : lines(*io)) {
            auto f = split_ws(line);
            if (f.empty()) continue;
            size_t colon = f[0].find(':');
            if (colon == std::string_view::npos) continue;
            uint64_t major = to_u64(f[0].substr(0, colon)), minor = to_u64(f[0].substr(colon + 1));
            for (size_t i = 1; i < f.size(); ++i) {
                size_t eq = f[i].find('=');
                if (eq == std::string_view::npos) continue;
                auto key = f[i].substr(0, eq);
                uint64_t v = to_u64(f[i].substr(eq + 1));
                if (key == "rbytes") s.io_service_bytes.push_back({major, minor, "Read", v});
                if (key == "wbytes") s.io_service_bytes.push_back({major, minor, "Write", v});
                if (key == "rios") s.io_serviced.push_back({major, minor, "Read", v});
                if (key == "wios") s.io_serviced.push_back({major, minor, "Write", v});
            }
        }
    }
    v2_hugetlb(d, s);
}

// ---- JSON in Go's encoding/json shape (omitempty where runc's types say so) ----
class Json {
public:
    Json& open(char c) {
        sep();
        out_ += c;
        first_ = true;
        return *this;
    }
    Json& close(char c) {
        out_ += c;
        first_ = false;
        return *this;
    }
    Json& key(std::string_view k) {
        sep();
        str(k);
        out_ += ':';
        first_ = true;
        return *this;
    }
    Json& num(uint64_t v) {
        sep();
        out_ += std::to_string(v);
        return *this;
    }
    Json& inum(int64_t v) {
        sep();
        out_ += std::to_string(v);
        return *this;
    }
    Json& string(std::string_view v) {
        sep();
        str(v);
        return *this;
    }
    Json& raw(std::string_view v) {
        sep();
        out_ += v;
        return *this;
    }
    Json& field(std::string_view k, uint64_t v, bool omitempty = false) {
        if (!omitempty || v != 0) key(k).num(v);
        return *this;
    }
    Json& list(std::string_view k, const std::vector<uint64_t>& v) {  // omitempty
        if (v.empty()) return *this;
        key(k).open('[');
        for (auto x : v) num(x);
        return close(']');
    }
    std::string take() { return std::move(out_); }

private:
    void sep() {
        if (!first_) out_ += ',';
        first_ = false;
    }
    void str(std::string_view s) { out_ += json_quote(s); }
    std::string out_;
    bool first_ = true;
};

void memory_entry(Json& j, std::string_view k, const MemoryEntry& e) {
    j.key(k).open('{').field("limit", e.limit).field("usage", e.usage, true).field("max", e.max, true);
    j.field("failcnt", e.failcnt).close('}');
}

void blkio_list(Json& j, std::string_view k, const std::vector<BlkioEntry>& list) {
    if (list.empty()) return;
    j.key(k).open('[');
    for (const auto& e : list) {
        j.open('{').field("major", e.major, true).field("minor", e.minor, true);
        if (!e.op.empty()) j.key("op").string(e.op);
        j.field("value", e.value, true).close('}');
    }
    j.close(']');
}

}  // namespace

std::vector<uint64_t> parse_cpu_list(std::string_view list) {
    const auto ids = parse_id_list(list, UINT_MAX);
    return ids ? std::vector<uint64_t>(ids->begin(), ids->end()) : std::vector<uint64_t>();
}

std::map<std::string, uint64_t> parse_flat_keyed(std::string_view text) {
    std::map<std::string, uint64_t> out;
    for (auto line : lines(text)) {
        auto f = split_ws(line);
        if (f.size() == 2) out[std::string(f[0])] = f[1] == "max" ? UINT64_MAX : to_u64(f[1]);
    }
    return out;
}

Result<Stats> collect_stats(const Cgroup& cg) {
    Stats s;
    if (cg.layout() == Layout::unified) {
        v2_stats(cg.unified_dir(), s);
    } else {
        v1_stats(cg, s);
        // Hybrid hosts may have hugetlb only in the v2 hierarchy.
        if (cg.v1_dir("hugetlb").empty() && !cg.unified_dir().empty()) v2_hugetlb(cg.unified_dir(), s);
    }
    if (::access(cg.dirs().front().c_str(), F_OK) != 0)
        return Error::from_errno("cgroup \"" + cg.dirs().front() + "\"");
    return s;
}

std::string stats_event_json(std::string_view id, const Stats& s) {
    Json j;
    j.open('{').key("type").string("stats").key("id").string(id).key("data").open('{');
    j.key("cpu").open('{').key("usage").open('{').field("total", s.cpu.total, true);
    j.list("percpu", s.cpu.percpu).list("percpu_kernel", s.cpu.percpu_kernel).list("percpu_user", s.cpu.percpu_user);
    j.field("kernel", s.cpu.kernel).field("user", s.cpu.user).close('}');
    j.key("throttling").open('{').field("periods", s.cpu.periods, true);
    j.field("throttled_periods", s.cpu.throttled_periods, true).field("throttled_time", s.cpu.throttled_time, true);
    j.close('}').close('}');
    const auto& c = s.cpuset;
    j.key("cpuset").open('{').list("cpus", c.cpus).field("cpu_exclusive", c.cpu_exclusive).list("mems", c.mems);
    j.field("mem_hardwall", c.mem_hardwall).field("mem_exclusive", c.mem_exclusive);
    j.field("memory_migrate", c.memory_migrate).field("memory_spread_page", c.memory_spread_page);
    j.field("memory_spread_slab", c.memory_spread_slab).field("memory_pressure", c.memory_pressure);
    j.field("sched_load_balance", c.sched_load_balance).key("sched_relax_domain_level").inum(c.sched_relax_domain_level);
    j.close('}');
    const auto& m = s.memory;
    j.key("memory").open('{').field("cache", m.cache, true);
    memory_entry(j, "usage", m.usage);
    memory_entry(j, "swap", m.swap);
    memory_entry(j, "kernel", m.kernel);
    memory_entry(j, "kernelTCP", m.kernel_tcp);
    if (!m.raw.empty()) {
        j.key("raw").open('{');
        for (const auto& [k, v] : m.raw) j.key(k).num(v);
        j.close('}');
    }
    j.close('}');
    j.key("pids").open('{').field("current", s.pids.current, true).field("limit", s.pids.limit, true).close('}');
    j.key("blkio").open('{');
    blkio_list(j, "ioServiceBytesRecursive", s.io_service_bytes);
    blkio_list(j, "ioServicedRecursive", s.io_serviced);
    j.close('}');
    j.key("hugetlb").open('{');
    for (const auto& [size, h] : s.hugetlb)
        j.key(size).open('{').field("usage", h.usage, true).field("max", h.max, true).field("failcnt", h.failcnt).close('}');
    j.close('}');
    j.key("intel_rdt").open('{').close('}').key("network_interfaces").raw("null");
    j.close('}').close('}');
    return j.take();
}

std::string oom_event_json(std::string_view id) {
    Json j;
    j.open('{').key("type").string("oom").key("id").string(id).close('}');
    return j.take();
}

}  // namespace berth::cgroups
