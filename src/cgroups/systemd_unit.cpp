#include "berth/cgroups/systemd_unit.hpp"

#include <vector>

namespace berth::cgroups::systemd {
namespace {

constexpr std::string_view kSlice = ".slice";
constexpr std::string_view kScope = ".scope";
// systemd's UNIT_NAME_MAX counts the terminating NUL.
constexpr size_t kUnitNameMax = 255;

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// systemd's rule for a plain or instance unit name of a known type: letters,
// digits and ":-_.\" before the type suffix, at most one '@' (an instance,
// never an empty one: "a@.scope" is a template, which cannot be started).
Status check_unit_name(std::string_view name, std::string_view suffix) {
    auto refuse = [&](const std::string& why) {
        return Error::msg(quoted(name) + " is not a valid systemd unit name: " + why);
    };
    if (!ends_with(name, suffix)) return refuse("it does not end in " + quoted(suffix));
    if (name.size() > kUnitNameMax) return refuse("longer than " + std::to_string(kUnitNameMax) + " characters");
    std::string_view stem = name.substr(0, name.size() - suffix.size());
    if (stem.empty()) return refuse("nothing before " + quoted(suffix));
    size_t at = stem.find('@');
    if (at != std::string_view::npos && (at == 0 || at + 1 == stem.size() || stem.find('@', at + 1) != stem.npos))
        return refuse("'@' must separate a name and an instance");
    for (char c : stem) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  std::string_view(":-_.\\@").find(c) != std::string_view::npos;
        if (!ok) return refuse("character '" + std::string(1, c) + "' is not allowed");
    }
    return {};
}

// The components of "a-b-c.slice": {"a", "b", "c"}; none for the root "-.slice".
Result<std::vector<std::string_view>> slice_components(std::string_view slice) {
    BERTH_TRY(check_unit_name(slice, kSlice));
    std::string_view stem = slice.substr(0, slice.size() - kSlice.size());
    if (stem == "-") return std::vector<std::string_view>{};
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
        size_t dash = stem.find('-', start);
        std::string_view part = stem.substr(start, dash == stem.npos ? stem.npos : dash - start);
        // "-a.slice", "a-.slice", "a--b.slice": systemd has no such slice.
        if (part.empty())
            return Error::msg("invalid slice name " + quoted(slice) + ": '-' separates parent and child names");
        parts.push_back(part);
        if (dash == stem.npos) break;
        start = dash + 1;
    }
    return parts;
}

// The slice "a-b-c.slice" is in: "a-b.slice"; "a.slice" is in the root "-.slice".
std::string parent_slice(std::string_view slice) {
    std::string_view stem = slice.substr(0, slice.size() - kSlice.size());
    size_t dash = stem.rfind('-');
    return dash == stem.npos ? "-.slice" : std::string(stem.substr(0, dash)) + std::string(kSlice);
}

std::string join(const std::string& dir, std::string_view name) {
    return (dir == "/" ? std::string() : dir) + "/" + std::string(name);
}

}  // namespace

bool Unit::is_slice() const { return ends_with(name, kSlice); }

Result<std::string> expand_slice(std::string_view slice) {
    BERTH_TRY_ASSIGN(auto parts, slice_components(slice));
    if (parts.empty()) return std::string("/");
    std::string path, prefix;
    for (std::string_view part : parts) {
        prefix += part;
        path += "/" + prefix + std::string(kSlice);
        prefix += "-";
    }
    return path;
}

Result<Unit> unit_for(std::string_view cgroups_path, std::string_view container_id, std::string_view default_slice) {
    std::string where = cgroups_path.empty() ? "container id " + quoted(container_id)
                                             : "config.json: linux.cgroupsPath: " + quoted(cgroups_path);
    std::string_view slice = default_slice, prefix = kDefaultScopePrefix, name = container_id;
    if (!cgroups_path.empty()) {
        size_t first = cgroups_path.find(':');
        size_t second = first == cgroups_path.npos ? first : cgroups_path.find(':', first + 1);
        if (second == cgroups_path.npos || cgroups_path.find(':', second + 1) != cgroups_path.npos)
            return Error::msg(where + ": expected \"slice:prefix:name\" with the systemd cgroup driver");
        if (first > 0) slice = cgroups_path.substr(0, first);
        prefix = cgroups_path.substr(first + 1, second - first - 1);
        name = cgroups_path.substr(second + 1);
    }
    if (name.empty()) return Error::msg(where + ": the unit name (after the last ':') is empty");

    Unit unit;
    auto failed = [&](Error e) { return std::move(e).wrap(where); };
    if (ends_with(name, kSlice)) {
        // A slice's cgroup follows from its name alone, whatever Wants= says.
        unit.name = name;
        auto path = expand_slice(unit.name);
        if (!path) return failed(std::move(path).error());
        if (*path == "/") return Error::msg(where + ": the root slice cannot be a container's unit");
        unit.parent = parent_slice(unit.name);
        bool slice_given = !cgroups_path.empty() && cgroups_path.front() != ':';
        if (slice_given && slice != unit.parent)
            return Error::msg(where + ": the slice " + quoted(unit.name) + " is in " + quoted(unit.parent) +
                              ", not in " + quoted(slice));
        unit.path = std::move(*path);
        return unit;
    }
    // runc's "<prefix>-<name>.scope", even for an empty prefix ("-<name>.scope").
    unit.name = std::string(prefix) + "-" + std::string(name) + std::string(kScope);
    if (Status st = check_unit_name(unit.name, kScope); !st) return failed(std::move(st).error());
    auto slice_path = expand_slice(slice);
    if (!slice_path) return failed(std::move(slice_path).error());
    unit.parent = slice;
    unit.path = join(*slice_path, unit.name);
    return unit;
}

}  // namespace berth::cgroups::systemd
