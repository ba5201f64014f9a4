// Which cgroup an exec'd process joins: the container's, or with `--cgroup`
// a sub-cgroup of it (runc 1.1's `exec --cgroup [ctrl[,ctrl]:]path`).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "berth/cgroups/cgroup.hpp"
#include "berth/util/result.hpp"

namespace berth::container {

// The --cgroup arguments as runc parses them: controller -> sub path, "" for
// "every hierarchy" (only alone). Errors: `invalid --cgroup argument: X`.
Result<std::map<std::string, std::string>> parse_sub_cgroups(const std::vector<std::string>& args);

// The directories `pid` joins: the container's cgroup in every hierarchy,
// each replaced by its sub-cgroup where `subs` names one. Errors (runc's):
// `.. is not a sub cgroup path`, `unknown controller X in SubCgroupPaths`.
Result<std::vector<std::string>> exec_cgroup_dirs(const cgroups::Cgroup& cgroup,
                                                  const std::map<std::string, std::string>& subs);

// Writes `pid` into cgroup.procs of every directory (error: `adding pid N to
// cgroups: ...`, runc's text).
Status join_cgroup_dirs(const std::vector<std::string>& dirs, pid_t pid);

}  // namespace berth::container
