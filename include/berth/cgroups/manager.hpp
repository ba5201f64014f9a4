// Who manages a container's cgroup, chosen once at `create` and recorded, so
// that every later command (delete, kill --all, pause, resume, update, ps,
// events, exec) acts through the same one.
//
//   cgroupfs  berth makes the directories itself (v1, hybrid or unified: the
//             Cgroup below covers every layout) and removes them on delete;
//   systemd   systemd owns the cgroup as a transient unit (a scope or a slice)
//             that berth starts over D-Bus and stops on delete; resources
//             systemd knows are unit properties, the rest go to the files;
//   none      rootless without a cgroup it may write (runc's rootless cgroup
//             manager ignoring its permission errors): the container runs
//             where its caller's processes are; pause, resume, update,
//             ps, kill --all and events fail with runc's errors.
//
// Either way the cgroup's files are reached through cgroup(): freezing,
// listing and signalling processes, statistics and OOM events are the same
// code for both.
//
// create:  auto m = create_manager(request);       // before clone (or right after
//                                                  // it, can_create_after_clone)
//          ManagerGuard guard(*m);                 // a failed create removes it
//          auto join = m->prepare_join();          // born inside / self-join fds
//          ... clone ...; m->place(pid) unless born inside, before user code runs
//          record.cgroup = m->saved(); guard.dismiss();
// later:   auto m = load_manager(record.cgroup);
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/cgroups/cgroup.hpp"
#include "berth/cgroups/self_join.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::cgroups {

enum class Driver { cgroupfs, systemd, none };

const char* driver_name(Driver driver);
std::optional<Driver> driver_from_name(std::string_view name);

// What a container's record keeps to reopen its manager.
struct SavedManager {
    Driver driver = Driver::cgroupfs;
    std::string unit;    // systemd: the unit's name ("" for cgroupfs)
    std::string cgroup;  // Cgroup::saved(): layout, depth made, path
    bool user = false;   // systemd: the unit is the user's manager's (rootless), not the system's
    // cgroupfs: made for a rootless caller, whose device rules `update` applies
    // as create did (those the kernel refuses left out).
    bool rootless = false;
};

struct CreateRequest {
    Driver driver = Driver::cgroupfs;
    std::string_view cgroups_path;   // linux.cgroupsPath
    std::string_view container_id;
    const oci::Resources* resources = nullptr;
    // org.systemd.property.* annotations become unit properties (systemd only).
    const std::map<std::string, std::string>* annotations = nullptr;
    // --rootless: a cgroupfs cgroup the kernel refuses to make for lack of
    // permission becomes the `none` driver when the config asks for no path
    // and no limits (runc's rules); otherwise the error names what was asked.
    // With systemd: the unit is the user's manager's, on the session bus.
    bool rootless = false;
    // systemd: the uid the unit's cgroup (the directory and the files the
    // kernel lists in /sys/kernel/cgroup/delegate) is chowned to, so that the
    // container can manage its own subtree; runc's systemd driver does so for a
    // config with a new cgroup namespace and a read-write cgroup mount.
    std::optional<uint32_t> owner_uid;
};

class Manager {
public:
    virtual ~Manager() = default;
    Manager(const Manager&) = delete;
    Manager& operator=(const Manager&) = delete;

    virtual SavedManager saved() const = 0;
    // The cgroup's files, for everything that reads or writes them directly.
    const Cgroup& cgroup() const { return cgroup_; }

    // Before clone: what the init uses to enter its cgroup without being moved
    // by pid (self_join.hpp). Empty when the manager places it after clone.
    virtual Result<SelfJoin> prepare_join() const = 0;
    // After clone, before the init runs anything of the user's, when it was
    // not born inside its cgroup (no CLONE_INTO_CGROUP, or a manager that
    // returns no v2 directory from prepare_join).
    virtual Status place(pid_t pid) const = 0;

    // `update`: new limits on the live cgroup.
    virtual Status update(const oci::Resources& resources) const = 0;
    // Kills whatever is left and removes the cgroup (and unit): after this,
    // nothing of the container's cgroup remains. Gone already is fine.
    virtual Status destroy() const = 0;

    // False for the `none` driver: cgroup() has no directories then.
    virtual bool has_cgroup() const { return true; }
    virtual Status freeze() const { return cgroup_.freeze(); }
    virtual Status thaw() const { return cgroup_.thaw(); }
    virtual Result<FreezerState> freezer_state() const { return cgroup_.freezer_state(); }
    virtual Result<std::vector<pid_t>> pids() const { return cgroup_.pids(); }
    virtual Status signal_all(int sig) const { return cgroup_.signal_all(sig); }

protected:
    explicit Manager(Cgroup cgroup) : cgroup_(std::move(cgroup)) {}

    Cgroup cgroup_;
};

// Makes the container's cgroup with the requested driver. On failure nothing
// it made is left.
Result<std::unique_ptr<Manager>> create_manager(const CreateRequest& request);
// The first limit `resources` asks for, as a controller name ("memory",
// "cpu", ...), or nullptr when it sets none (device rules are no limit here:
// runc's rootless manager ignores them).
const char* first_limit(const oci::Resources& resources);

// Whether `create_manager` may run after the init is cloned, while it sets up
// its namespaces and mounts (it then joins its v1 cgroups by the `tasks` files
// `go` brings): the cgroupfs driver on a host without cgroup v2, where the
// init needs no directory at clone (CLONE_INTO_CGROUP), and not --rootless
// (whose refused cgroup can change the driver).
Result<bool> can_create_after_clone(const CreateRequest& request);

// Reopens the manager `create_manager` made, in a later process.
Result<std::unique_ptr<Manager>> load_manager(const SavedManager& saved);

// Destroys a freshly created manager's cgroup unless dismissed (create rollback).
class ManagerGuard {
public:
    explicit ManagerGuard(const Manager& manager) : manager_(&manager) {}
    ManagerGuard(const ManagerGuard&) = delete;
    ManagerGuard& operator=(const ManagerGuard&) = delete;
    ~ManagerGuard();  // a failure to remove is warned about: create already failed
    void dismiss() { manager_ = nullptr; }

private:
    const Manager* manager_;
};

}  // namespace berth::cgroups
