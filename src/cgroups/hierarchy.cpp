#include "berth/cgroups/hierarchy.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "berth/cgroups/files.hpp"

namespace berth::cgroups {
namespace {

// v1 controllers the kernel knows; other super options are flags (rw, xattr,
// clone_children, release_agent=...) or a named hierarchy (name=systemd).
constexpr std::array<std::string_view, 14> kV1Controllers = {
    "cpu",     "cpuacct", "cpuset",  "memory", "devices", "freezer", "net_cls",
    "net_prio", "blkio",  "perf_event", "hugetlb", "pids", "rdma",  "misc"};

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t pos = 0;
    while (pos <= s.size()) {
        size_t end = s.find(sep, pos);
        if (end == std::string_view::npos) end = s.size();
        out.push_back(s.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

// mountinfo escapes space, tab, newline and backslash as octal.
std::string unescape(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            int v = 0;
            bool ok = true;
            for (size_t k = 1; k <= 3; ++k) {
                if (s[i + k] < '0' || s[i + k] > '7') {
                    ok = false;
                    break;
                }
                v = v * 8 + (s[i + k] - '0');
            }
            if (ok) {
                out += static_cast<char>(v);
                i += 3;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

}  // namespace

const char* layout_name(Layout layout) {
    switch (layout) {
        case Layout::v1: return "v1";
        case Layout::hybrid: return "hybrid";
        case Layout::unified: return "unified";
    }
    return "?";
}

bool Hierarchy::has(std::string_view controller) const {
    return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

const Hierarchy* Hierarchies::v1_for(std::string_view controller) const {
    for (const auto& h : v1)
        if (h.has(controller)) return &h;
    return nullptr;
}

Result<Hierarchies> parse_mountinfo(std::string_view mountinfo) {
    Hierarchies out;
    for (auto line : split(mountinfo, '\n')) {
        if (line.empty()) continue;
        auto fields = split(line, ' ');
        // id parent major:minor root mountpoint options [optional...] - fstype source superopts
        auto dash = std::find(fields.begin(), fields.end(), "-");
        if (fields.size() < 7 || dash == fields.end() || fields.end() - dash < 4) continue;
        std::string_view fstype = dash[1];
        if (fields[3] != "/") continue;
        std::string mountpoint = unescape(fields[4]);
        if (fstype == "cgroup2") {
            if (out.unified.empty()) out.unified = mountpoint;
        } else if (fstype == "cgroup") {
            Hierarchy h;
            h.mountpoint = mountpoint;
            for (auto opt : split(dash[3], ',')) {
                if (opt == "name=systemd" && out.systemd.empty()) out.systemd = mountpoint;
                if (std::find(kV1Controllers.begin(), kV1Controllers.end(), opt) != kV1Controllers.end())
                    h.controllers.emplace_back(opt);
            }
            bool duplicate = std::any_of(out.v1.begin(), out.v1.end(),
                                         [&](const Hierarchy& o) { return o.controllers == h.controllers; });
            if (!h.controllers.empty() && !duplicate) out.v1.push_back(std::move(h));
        }
    }
    if (out.v1.empty() && out.unified.empty()) return Error::msg("no cgroup hierarchy is mounted (/proc/self/mountinfo)");
    if (out.v1.empty())
        out.layout = Layout::unified;
    else
        out.layout = out.unified.empty() ? Layout::v1 : Layout::hybrid;
    return out;
}

Result<Hierarchies> host_hierarchies() {
    static std::optional<Hierarchies> cached;
    if (cached) return *cached;
    BERTH_TRY_ASSIGN(std::string text, read_file("/proc/self/mountinfo"));
    BERTH_TRY_ASSIGN(Hierarchies h, parse_mountinfo(text));
    cached = h;
    return h;
}

Result<Layout> detect_layout() {
    BERTH_TRY_ASSIGN(Hierarchies h, host_hierarchies());
    return h.layout;
}

}  // namespace berth::cgroups
