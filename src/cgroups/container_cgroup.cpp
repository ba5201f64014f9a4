#include "berth/cgroups/container_cgroup.hpp"

#include "berth/container/id.hpp"

namespace berth::cgroups {

Result<ContainerCgroup> open_container_cgroup(const std::string& root, const std::string& id, bool lock) {
    BERTH_TRY(container::validate_id(id));
    BERTH_TRY_ASSIGN(container::ContainerDir dir,
                     lock ? container::lock_container_dir(root, id) : container::open_container_dir(root, id));
    BERTH_TRY_ASSIGN(container::Record record, container::load_record(dir));
    if (record.cgroup_path.empty()) return Error::msg("container " + id + " has no cgroup");
    BERTH_TRY_ASSIGN(Cgroup cgroup, Cgroup::load(record.cgroup_path));
    auto status = container::derive_status(dir, record);
    if (status != container::ContainerStatus::stopped) {
        auto frozen = cgroup.freezer_state();
        if (frozen && *frozen == FreezerState::frozen) status = container::ContainerStatus::paused;
    }
    return ContainerCgroup{std::move(dir), std::move(record), status, std::move(cgroup)};
}

}  // namespace berth::cgroups
