#include "berth/cgroups/hierarchy.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "berth/cgroups/files.hpp"
#include "berth/util/mountinfo.hpp"

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

std::vector<std::string> v1_controller_dirs(const Hierarchies& hierarchies, std::string_view path) {
    std::vector<std::string> out;
    for (const auto& h : hierarchies.v1) out.push_back(h.mountpoint + std::string(path));
    return out;
}

Result<Hierarchies> parse_mountinfo(std::string_view mountinfo) {
    Hierarchies out;
    for (const MountInfo& m : berth::parse_mountinfo(mountinfo)) {
        if (m.root != "/") continue;
        if (m.fstype == "cgroup2") {
            if (out.unified.empty()) out.unified = m.mountpoint;
        } else if (m.fstype == "cgroup") {
            Hierarchy h;
            h.mountpoint = m.mountpoint;
            for (auto opt : split(m.super_options, ',')) {
                if (opt == "name=systemd" && out.systemd.empty()) out.systemd = m.mountpoint;
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
    BERTH_TRY_ASSIGN(const std::string_view text, first_mountinfo());
    BERTH_TRY_ASSIGN(Hierarchies h, parse_mountinfo(text));
    cached = h;
    return h;
}

Result<Layout> detect_layout() {
    BERTH_TRY_ASSIGN(Hierarchies h, host_hierarchies());
    return h.layout;
}

}  // namespace berth::cgroups
