#include "berth/cgroups/path.hpp"

namespace berth::cgroups {

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
        return Error::msg("config.json: linux.cgroupsPath \"" + std::string(cgroups_path) +
                          "\" resolves to the cgroup root; a container needs its own cgroup");
    return cleaned;
}

}  // namespace berth::cgroups
