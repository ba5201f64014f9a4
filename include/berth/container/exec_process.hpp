// The process `exec` starts, as runc builds it: either the whole document of
// `--process FILE`, or the container's own process (config.json) with the
// command line's args and the flags applied on top.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::container {

// The exec flags that shape the process (runc's names).
struct ExecProcessFlags {
    std::vector<std::string> args;          // after the container id
    std::string cwd;                        // --cwd ("" = keep)
    std::vector<std::string> env;           // --env, appended
    std::optional<bool> tty;                // --tty, only when given
    std::string user;                       // --user uid[:gid] ("" = keep)
    std::vector<std::string> additional_gids;  // --additional-gids
    std::vector<std::string> caps;          // --cap
    std::optional<bool> no_new_privs;       // --no-new-privs, only when given
    std::string apparmor;                   // --apparmor
    std::string process_label;              // --process-label
};

// runc's getProcess on top of `config_process` (the container's process).
// Errors are runc's: `process args cannot be empty`, `parsing x as int for
// uid failed: ...`, `Cwd must be an absolute path`.
Result<oci::Process> exec_process_from_flags(const oci::Process& config_process, const ExecProcessFlags& flags);

// `--process FILE`: the process document as given, validated as runc does.
Result<oci::Process> exec_process_from_file(const std::string& path);

// runc's validateProcessSpec: a cwd that is absolute, non-empty args.
Status validate_exec_process(const oci::Process& process);

}  // namespace berth::container
