#include "berth/cgroups/manager.hpp"

#include "berth/cgroups/systemd_manager.hpp"

namespace berth::cgroups {
namespace {

// cgroupfs: berth makes and removes the directories itself.
class FsManager final : public Manager {
public:
    explicit FsManager(Cgroup cgroup) : Manager(std::move(cgroup)) {}

    SavedManager saved() const override { return {Driver::cgroupfs, {}, cgroup_.saved()}; }
    Result<SelfJoin> prepare_join() const override { return open_self_join(cgroup_.dirs()); }
    // Only without CLONE_INTO_CGROUP (clone3 missing): the v1 cgroups are
    // joined by the init itself either way, so a pure v1 host needs nothing.
    Status place(pid_t pid) const override {
        return cgroup_.unified_dir().empty() ? Status{} : cgroup_.add_process(pid);
    }
    Status update(const oci::Resources& resources) const override { return cgroup_.apply(resources); }
    Status destroy() const override { return cgroup_.destroy(); }
};

}  // namespace

const char* driver_name(Driver driver) { return driver == Driver::systemd ? "systemd" : "cgroupfs"; }

std::optional<Driver> driver_from_name(std::string_view name) {
    for (Driver d : {Driver::cgroupfs, Driver::systemd})
        if (name == driver_name(d)) return d;
    return std::nullopt;
}

Result<std::unique_ptr<Manager>> create_manager(const CreateRequest& request) {
    if (request.driver == Driver::systemd) return systemd::create_manager(request);
    BERTH_TRY_ASSIGN(Cgroup cgroup, Cgroup::create(request.cgroups_path, request.container_id, request.resources));
    return std::unique_ptr<Manager>(new FsManager(std::move(cgroup)));
}

Result<std::unique_ptr<Manager>> load_manager(const SavedManager& saved) {
    if (saved.driver == Driver::systemd) return systemd::load_manager(saved);
    BERTH_TRY_ASSIGN(Cgroup cgroup, Cgroup::load(saved.cgroup));
    return std::unique_ptr<Manager>(new FsManager(std::move(cgroup)));
}

ManagerGuard::~ManagerGuard() {
    if (!manager_) return;
    if (Status st = manager_->destroy(); !st) warn("remove the cgroup of the failed create: " + st.error().what());
}

}  // namespace berth::cgroups
