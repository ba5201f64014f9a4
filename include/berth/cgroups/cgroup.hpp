// A container's cgroup, across cgroup v1, hybrid and unified v2 hosts.
//
// The files of one cgroup path in every hierarchy of the host. Used by the
// parent side only (never by the cloned child), through a Manager
// (manager.hpp), which decides who makes and removes the directories.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "berth/cgroups/hierarchy.hpp"
#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::cgroups {

enum class FreezerState { thawed, frozen };

class Cgroup {
public:
    // Creates the cgroup at linux.cgroupsPath (see resolve_cgroups_path) in every
    // hierarchy and applies `resources` (may be null). On failure nothing it made
    // is left. Refuses a frozen cgroup and one that already has processes (runc 1.2+).
    // `rootless`: on a hybrid host the cgroup2 hierarchy is left out when the
    // kernel refuses the directory there (runc never uses it on such a host:
    // a user delegated the v1 hierarchies only still gets a cgroup), and
    // device rules the kernel refuses are left out, as runc's rootless
    // managers do (and `apply` with `rootless`, for `update`).
    static Result<Cgroup> create(std::string_view cgroups_path, std::string_view container_id,
                                 const oci::Resources* resources, bool rootless = false);
    // Reopens a cgroup from saved() in a later process. On a hybrid host a
    // cgroup without a directory in the cgroup2 hierarchy is one create() left
    // out of it (rootless), and stays out.
    static Result<Cgroup> load(std::string_view saved);
    // A cgroup someone else makes and removes (a systemd unit's): `path` is
    // relative to each hierarchy root; destroy() removes nothing above it.
    static Result<Cgroup> existing(std::string path);
    // No cgroup at all (the `none` manager): no hierarchy, no directory.
    static Cgroup none() { return Cgroup({}, {}, 0); }

    // One line to keep in the container state: "<layout> <created> <path>".
    std::string saved() const;
    // The cgroup path relative to each hierarchy root, e.g. "/berth/web".
    const std::string& path() const { return path_; }
    Layout layout() const { return h_.layout; }
    const Hierarchies& hierarchies() const { return h_; }

    // Moves `pid` into the cgroup of every hierarchy.
    Status add_process(pid_t pid) const;
    // The systemd driver on a v1/hybrid host, once systemd started the unit:
    // makes the directories (and parents) missing in the v1 controller
    // hierarchies systemd does not manage, cpuset's cpus and mems copied down
    // (runc's legacy manager does the same), and moves `pid` into the cgroup of
    // every hierarchy, systemd's own (name=systemd, cgroup2) first: where a
    // scope's process already is, and where a slice's must be before the
    // controllers, since systemd moves the processes of a service (the
    // caller's, say) to that service's cgroup in every controller hierarchy
    // while name=systemd still lists them there.
    Status join_v1_layout(pid_t pid) const;

    // A new cgroup's limits: the device rules (the defaults even when there
    // are none: no rules is deny-all but those) and `resources` (may be null).
    Status apply_initial(const oci::Resources* resources) const;
    // Applies resources to the live cgroup (`update`); device rules only when
    // the list is not empty. `rootless`: the rules the kernel refuses are left
    // out, as at create (runc's rootless managers ignore their errors).
    Status apply(const oci::Resources& resources, bool rootless = false) const;
    // The device rules followed by the default devices (with_default_devices):
    // v1 by the minimal transition from the current rules, v2 by replacing the
    // eBPF program. create() always sets them: no rules is deny-all but the
    // defaults, as runc.
    Status apply_devices(const std::vector<oci::DeviceCgroup>& rules) const;

    Status freeze() const;
    Status thaw() const;
    Result<FreezerState> freezer_state() const;

    // Every process in the cgroup and its descendants.
    Result<std::vector<pid_t>> pids() const;
    // Sends `sig` to every process in the cgroup (kill --all); frozen first so
    // no process can fork out of reach while we iterate.
    Status signal_all(int sig) const;
    // SIGKILLs every process in the cgroup and waits until it is empty.
    Status kill_all() const;
    // Kills every process left, then removes the cgroup (and its sub-cgroups)
    // leaf to root, up to the ancestors create() made. Missing dirs are fine.
    Status destroy() const;

    // The directory of this cgroup in the hierarchy of a v1 controller ("" if
    // the controller is not mounted as v1) and in the v2 hierarchy ("" if none).
    std::string v1_dir(std::string_view controller) const;
    std::string unified_dir() const;
    // Every directory of this cgroup: one per v1 hierarchy (with name=systemd's
    // on v1/hybrid hosts), plus the v2 one.
    std::vector<std::string> dirs() const;

private:
    Cgroup(Hierarchies h, std::string path, int created) : h_(std::move(h)), path_(std::move(path)), created_(created) {}
    Status make_dirs(bool rootless);
    // The directory whose cgroup.procs lists the processes (freezer / pids / v2).
    std::string procs_dir() const;
    // apply_devices, refused device rules left as they are (EPERM, EACCES).
    Status apply_devices_best_effort(const oci::Resources* resources) const;
    // Everything but the device rules, by layout (v1 files, or v2 files).
    Status apply_resources(const oci::Resources& resources) const;

    Hierarchies h_;
    std::string path_;
    int created_ = 0;  // trailing components of path_ that create() made
    std::vector<std::string> made_dirs_;  // during create(): every directory it made, in order
};

// Where warnings go (kernel memory ignored, ...). Default: log::warn.
using WarningSink = void (*)(const std::string& message);
void set_warning_sink(WarningSink sink);
void warn(const std::string& message);

}  // namespace berth::cgroups
