#include "berth/cgroups/manager.hpp"

#include "berth/cgroups/systemd_manager.hpp"
#include "berth/util/child_error.hpp"

#include <cerrno>

namespace berth::cgroups {
namespace {

// cgroupfs: berth makes and removes the directories itself.
class FsManager final : public Manager {
public:
    FsManager(Cgroup cgroup, bool rootless) : Manager(std::move(cgroup)), rootless_(rootless) {}

    SavedManager saved() const override {
        SavedManager s{Driver::cgroupfs, {}, cgroup_.saved()};
        s.rootless = rootless_;
        return s;
    }
    Result<SelfJoin> prepare_join() const override { return open_self_join(cgroup_.dirs()); }
    // Only without CLONE_INTO_CGROUP (clone3 missing): the v1 cgroups are
    // joined by the init itself either way, so a pure v1 host needs nothing.
    Status place(pid_t pid) const override {
        return cgroup_.unified_dir().empty() ? Status{} : cgroup_.add_process(pid);
    }
    Status update(const oci::Resources& resources) const override { return cgroup_.apply(resources, rootless_); }
    Status destroy() const override { return cgroup_.destroy(); }

private:
    bool rootless_;
};

constexpr const char* kNotConfigured = "cgroups not configured for container";

// runc's error for a limit set on a container without a cgroup.
Error limit_without_cgroup(const char* controller) {
    return Error::msg(std::string("cannot set ") + controller + " limit: container could not join or create cgroup");
}

// Rootless without a cgroup: the processes stay in their caller's cgroup,
// which berth never writes. Errors are runc 1.1's for the same commands.
class NoneManager final : public Manager {
public:
    NoneManager() : Manager(Cgroup::none()) {}

    SavedManager saved() const override { return {Driver::none, {}, {}}; }
    Result<SelfJoin> prepare_join() const override { return SelfJoin{}; }
    Status place(pid_t) const override { return {}; }
    Status update(const oci::Resources& resources) const override {
        if (const char* controller = first_limit(resources)) return limit_without_cgroup(controller);
        return {};
    }
    Status destroy() const override { return {}; }
    bool has_cgroup() const override { return false; }
    Status freeze() const override { return Error::msg(std::string("cannot toggle freezer: ") + kNotConfigured); }
    Status thaw() const override { return freeze(); }
    // Never frozen: nothing can freeze it.
    Result<FreezerState> freezer_state() const override { return FreezerState::thawed; }
    Result<std::vector<pid_t>> pids() const override {
        return Error::msg(std::string("unable to get all container pids: ") + kNotConfigured);
    }
    Status signal_all(int) const override {
        return Error::msg(std::string("unable to signal all processes: ") + kNotConfigured);
    }
};

// What a rootless caller cannot use: a cgroup the kernel refuses it, or a
// default one that someone else made (runc then runs without one, too).
bool unusable_rootless(const Error& error) {
    return error.code() == EACCES || error.code() == EPERM || error.code() == EROFS || error.code() == EEXIST;
}

// --rootless and the kernel refused the cgroup for lack of permission: the
// none manager when nothing needs a cgroup, otherwise one line saying what
// the config asked for that cannot be had.
Result<std::unique_ptr<Manager>> without_cgroup(const CreateRequest& request, Error refused) {
    if (!request.cgroups_path.empty()) {
        // runc's words, errno as Go prints it: runc's rootless tests match both.
        char reason[64];
        return Error::msg("config.json: linux.cgroupsPath \"" + std::string(request.cgroups_path) +
                          "\": rootless and no permission for this cgroup: unable to apply cgroup configuration: " +
                          refused.context() + ": " + go_strerror(refused.code(), reason, sizeof(reason)));
    }
    if (const char* controller = request.resources ? first_limit(*request.resources) : nullptr)
        return std::move(refused).wrap("config.json: linux.resources." + std::string(controller) + ": " +
                                       limit_without_cgroup(controller).what());
    return std::unique_ptr<Manager>(new NoneManager());
}

}  // namespace

const char* driver_name(Driver driver) {
    switch (driver) {
        case Driver::cgroupfs: return "cgroupfs";
        case Driver::systemd: return "systemd";
        case Driver::none: return "none";
    }
    return "";
}

std::optional<Driver> driver_from_name(std::string_view name) {
    for (Driver d : {Driver::cgroupfs, Driver::systemd, Driver::none})
        if (name == driver_name(d)) return d;
    return std::nullopt;
}

const char* first_limit(const oci::Resources& r) {
    if (r.memory && *r.memory != oci::Memory{}) return "memory";
    if (r.cpu && *r.cpu != oci::CPU{}) return "cpu";
    if (r.pids && *r.pids != oci::Pids{}) return "pids";
    if (r.blockIO && *r.blockIO != oci::BlockIO{}) return "blockIO";
    if (!r.hugepageLimits.empty()) return "hugepageLimits";
    if (r.network && *r.network != oci::Network{}) return "network";
    if (!r.rdma.empty()) return "rdma";
    if (!r.unified.empty()) return "unified";
    return nullptr;
}

Result<std::unique_ptr<Manager>> create_manager(const CreateRequest& request) {
    if (request.driver == Driver::systemd) return systemd::create_manager(request);
    auto cgroup = Cgroup::create(request.cgroups_path, request.container_id, request.resources, request.rootless);
    if (!cgroup && request.rootless && unusable_rootless(cgroup.error()))
        return without_cgroup(request, std::move(cgroup).error());
    if (!cgroup) return std::move(cgroup).error();
    return std::unique_ptr<Manager>(new FsManager(std::move(*cgroup), request.rootless));
}

Result<bool> can_create_after_clone(const CreateRequest& request) {
    if (request.driver != Driver::cgroupfs || request.rootless) return false;
    BERTH_TRY_ASSIGN(Layout layout, detect_layout());
    return layout == Layout::v1;
}

Result<std::unique_ptr<Manager>> load_manager(const SavedManager& saved) {
    if (saved.driver == Driver::systemd) return systemd::load_manager(saved);
    if (saved.driver == Driver::none) return std::unique_ptr<Manager>(new NoneManager());
    BERTH_TRY_ASSIGN(Cgroup cgroup, Cgroup::load(saved.cgroup));
    return std::unique_ptr<Manager>(new FsManager(std::move(cgroup), saved.rootless));
}

ManagerGuard::~ManagerGuard() {
    if (!manager_) return;
    if (Status st = manager_->destroy(); !st) warn("remove the cgroup of the failed create: " + st.error().what());
}

}  // namespace berth::cgroups
