// What berth remembers about a container between commands (state.json in the
// container's directory). This is berth's own document: `berth state` prints
// the runtime-spec state derived from it (see status.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "berth/cgroups/manager.hpp"
#include "berth/container/state_dir.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::container {

struct Record {
    std::string id;
    int pid = 0;                    // the init, in the host's pid namespace
    uint64_t pid_start_time = 0;    // field 22 of /proc/PID/stat: tells a recycled pid apart
    std::string bundle;             // absolute
    std::string rootfs;             // absolute
    std::string created;            // RFC 3339 with nanoseconds, UTC
    std::string owner;
    std::map<std::string, std::string> annotations;
    cgroups::SavedManager cgroup;   // reopens the container's cgroup manager (cgroups/manager.hpp)
    std::string rdt_group;          // linux.intelRdt: the resctrl group exec'd processes join ("" none)
    std::string rdt_remove;         // and what `delete` removes of it ("" nothing)
    std::vector<oci::Hook> poststart;  // run by `start`
    std::vector<oci::Hook> poststop;   // run by `delete`
};

std::string write_record(const Record& record);
Result<Record> parse_record(std::string_view json, const std::string& document);

Status save_record(const ContainerDir& dir, const Record& record);
// A directory without state.json reads as `container does not exist`; callers
// that care about a create in progress check is_locked() first.
Result<Record> load_record(const ContainerDir& dir);

// The bundle's config.json as `create` read it, kept in the container's
// directory: `exec` uses this copy, so a bundle changed or removed after
// create changes nothing (runc 1.1.5 keeps its own copy for seccomp and the
// rest but re-reads the bundle's process section for exec's defaults).
Status save_config(const ContainerDir& dir, std::string_view config_json);
Result<oci::Spec> load_saved_config(const ContainerDir& dir);

// Now as Go's time.RFC3339Nano in UTC: "2026-11-22T16:33:58.15664Z" (trailing
// zeros of the fraction dropped, as runc prints it).
std::string rfc3339_nano_now();

}  // namespace berth::container
