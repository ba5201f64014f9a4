// A subcommand of the berth CLI: its flag table, how many positional
// arguments it takes, and the function that runs it. Each subcommand lives in
// src/cli/cmd_<name>.cpp and defines one `const Command` listed in
// include/berth/cli/commands.hpp and in the dispatcher table (src/cli/main.cpp).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "berth/cli/flags.hpp"
#include "berth/util/log.hpp"
#include "berth/util/result.hpp"

namespace berth::cli {

// The flags that precede the subcommand (runc 1.1's global options).
struct GlobalOptions {
    // --root: state directory. Without --root: /run/berth, or for a rootless
    // caller (euid != 0, or in a user namespace with $USER not root: runc's
    // rule) $XDG_RUNTIME_DIR/berth, made 0700 with the sticky bit.
    std::string root = "/run/berth";
    bool root_in_xdg = false;     // root is $XDG_RUNTIME_DIR/berth (made by prepare_state_root)
    std::string root_unusable;    // why there is no state root: a non-root caller without either
    bool root_given = false;           // --root was on the command line (not the default)
    std::string log;                   // --log: "" = stderr
    log::Format log_format = log::Format::Text;
    bool debug = false;
    bool trace = false;               // --trace or BERTH_TRACE=1: per-phase times (util/trace.hpp)
    bool systemd_cgroup = false;
    // --rootless true|false|auto, resolved: auto is true when euid != 0 or in a
    // user namespace. Rootless runs take the `none` cgroup manager when they
    // may not write a cgroup (cgroups/manager.hpp).
    bool rootless = false;
    // --criu: the criu binary for checkpoint and restore (runc 1.1's flag; runc
    // 1.2+ takes it and ignores it, always running "criu" from $PATH).
    std::string criu = "criu";
};

// The global flags' table, and the options they give.
std::span<const FlagSpec> global_flag_specs();
Result<GlobalOptions> global_options(const Flags& flags);
// For commands that keep state: fails when there is no usable state root and
// makes $XDG_RUNTIME_DIR/berth when that is the root.
Status prepare_state_root(const GlobalOptions& global);

// runc's checkArgs: how many positional arguments a command accepts.
struct ArgCount {
    enum Kind { Exact, Min, Max, Range } kind = Exact;
    int min = 0;
    int max = 0;

    static constexpr ArgCount exactly(int n) { return {Exact, n, n}; }
    static constexpr ArgCount at_least(int n) { return {Min, n, -1}; }
    static constexpr ArgCount between(int lo, int hi) { return {Range, lo, hi}; }
};

// What a command's run function receives.
struct Invocation {
    const GlobalOptions& global;
    const Flags& flags;                     // this command's flags, by long name
    const std::vector<std::string>& args;   // positional arguments, count already checked
};

// Returns the process exit status. An Error is logged (see berth/util/log.hpp)
// and the process exits 1; a command needing another status on failure (exec
// exits 255) calls log::fail(error, 255) itself and returns that.
using RunFn = Result<int> (*)(const Invocation&);

struct Command {
    std::string_view name;
    std::string_view summary;      // one line, for the command list
    std::string_view args_usage;   // "<container-id>"
    std::string_view description;  // a paragraph for `berth <cmd> --help`, may be empty
    std::span<const FlagSpec> flags;
    ArgCount arg_count;
    ArgOrder order = ArgOrder::FlagsAnywhere;
    RunFn run = nullptr;  // every command has one
};

// Checks the positional argument count; the error is runc's with berth's name:
// `berth: "state" requires exactly 1 argument(s)`.
Status check_arg_count(const Command& command, size_t count);

}  // namespace berth::cli
