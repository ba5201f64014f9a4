#include "berth/cgroups/path.hpp"

#include <vector>

namespace berth::cgroups {

std::string clean_path(std::string_view path) {
    std::vector<std::string_view> parts;
    size_t pos = 0;
    while (pos <= path.size()) {
        size_t end = path.find('/', pos);
        if (end == std::string_view::npos) end = path.size();
        std::string_view part = path.substr(pos, end - pos);
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();  // ".." at the root stays at the root
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        pos = end + 1;
    }
    std::string out;
    for (auto part : parts) {
        out += '/';
        out += part;
    }
    return out.empty() ? "/" : out;
}

Result<std::string> resolve_cgroups_path(std::string_view cgroups_path, std::string_view container_id) {
    if (cgroups_path.empty()) {
        const bool one_component = !container_id.empty() && container_id != "." && container_id != ".." &&
                                   container_id.find('/') == std::string_view::npos;
        if (!one_component)
            return Error::msg("cgroup: container id \"" + std::string(container_id) + "\" is not one path component");
        return "/" + std::string(container_id);
    }
    std::string cleaned = clean_path(cgroups_path);
    if (cleaned == "/")
        return Error::msg("linux.cgroupsPath \"" + std::string(cgroups_path) +
                          "\" resolves to the cgroup root; a container needs its own cgroup");
    return cleaned;
}

}  // namespace berth::cgroups
