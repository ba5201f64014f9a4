// linux.intelRdt on the resctrl filesystem, as runc does it: the container's
// CTRL_MON group is <resctrl>/<closID> (the root itself for "/", <id> without
// a closID), made when missing; its schemata gets l3CacheSchema, memBwSchema,
// then each of `schemata`; the init's pid goes to its tasks; enableMonitoring
// adds the MON group mon_groups/<id> with the pid too. `delete` removes the
// group when berth made it without a closID, else only the MON group.
// Not a cgroup: resctrl is one flat level, and exec'd processes are written to
// the group's tasks by the parent.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::linux_setup {

// Where resctrl is mounted: /sys/fs/resctrl when that is one, else the first
// resctrl mount in /proc/self/mountinfo; nullopt when there is none.
std::optional<std::string> resctrl_root();

struct RdtPlan {
    std::string group;     // the CTRL_MON group's directory
    std::string mon;       // its mon_groups/<id>, "" without enableMonitoring
    std::string schemata;  // the lines to write, "" for none
    bool must_exist = false;  // a closID with no schemata: a pre-made group
    bool removable = false;   // no closID: removed on delete if we made it
};

// runc's checks and messages, each under linux.intelRdt: resctrl mounted
// (`root`, nullopt when not), the closID a single name, L3/MB schemas only
// where resctrl has info/L3 / info/MB, memBwSchema starting "MB:", no newlines.
Result<RdtPlan> plan_intel_rdt(const oci::IntelRdt& rdt, const std::string& id, const std::optional<std::string>& root);

// What `create` made, for `exec`, `update` and `delete`.
struct RdtGroup {
    std::string group;   // the init's group ("" when no intelRdt)
    std::string mon;     // its MON group, "" without monitoring
    std::string remove;  // what `delete` removes: the group we made, or the MON group ("": nothing)
};

// Makes the group (and MON group) and writes the schemata, before the init
// exists; the parent writes its pid to both tasks files before `go`
// (process::ParentSteps::resctrl_groups). On failure whatever it made is
// removed again.
Result<RdtGroup> apply_intel_rdt(const RdtPlan& plan);

// The schemata lines as runc writes them: l3, mb, then the list; empty ones skipped.
std::string schemata_text(const std::optional<std::string>& l3, const std::optional<std::string>& mb,
                          const std::vector<std::string>& lines);

// Writes `text` to `group`/schemata; the error carries info/last_cmd_status
// (the kernel's reason) as runc's does.
Status write_schemata(const std::string& group, const std::string& text);

// `pid` into `group`/tasks (exec'd processes, as runc).
Status write_rdt_task(const std::string& group, pid_t pid);

// `update --l3-cache-schema/--mem-bw-schema` with runc's checks and words:
// resctrl under `root` must have info/L3 (info/MB) for them, and the
// container an intelRdt (`saved`, in `group`). The saved lines with the new
// L3/MB ones are written whole, as runc does. Empty flags are not given.
Status update_intel_rdt(const std::optional<std::string>& root, const std::optional<oci::IntelRdt>& saved,
                        const std::string& group, const std::string& l3, const std::string& mb);

// `delete`: rmdir of what create made (gone already is fine).
Status remove_rdt_group(const RdtGroup& group);

}  // namespace berth::linux_setup
