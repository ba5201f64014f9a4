#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "berth/cli/command.hpp"
#include "berth/linux/rootless.hpp"
#include "berth/util/trace.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kGlobalFlags[] = {
    {"debug", "", FlagKind::Bool, "enable debug logging"},
    {"log", "", FlagKind::String, "set the log file to write berth logs to (default is stderr)"},
    {"log-format", "", FlagKind::String, "set the log format ('text' (default), or 'json')", "text"},
    {"root", "", FlagKind::String, "root directory for storage of container state (this should be located in tmpfs)",
     "/run/berth"},
    {"criu", "", FlagKind::String, "path to the criu binary used for checkpoint and restore", "criu"},
    {"systemd-cgroup", "", FlagKind::Bool,
     "enable systemd cgroup support, expects cgroupsPath to be of form \"slice:prefix:name\""},
    {"rootless", "", FlagKind::String, "ignore cgroup permission errors ('true', 'false', or 'auto')", "auto"},
    {"trace", "", FlagKind::Bool, "print where create, run and exec spend their time, per phase (also BERTH_TRACE=1)"},
    {"version", "v", FlagKind::Bool, "print the version"},
};
// Go's strconv.ParseBool, with runc's "" and "auto" for auto-detection.
Result<bool> parse_rootless(const std::string& value) {
    if (value.empty() || value == "auto" || value == "AUTO" || value == "Auto") return linux_setup::rootless_by_default();
    for (const char* yes : {"1", "t", "T", "TRUE", "true", "True"})
        if (value == yes) return true;
    for (const char* no : {"0", "f", "F", "FALSE", "false", "False"})
        if (value == no) return false;
    return Error::msg("strconv.ParseBool: parsing \"" + value + "\": invalid syntax");
}

// runc's shouldHonorXDGRuntimeDir.
bool honors_xdg_runtime_dir() {
    if (::geteuid() != 0) return true;
    if (!linux_setup::in_user_namespace()) return false;
    const char* user = std::getenv("USER");
    return user == nullptr || std::string_view(user) != "root";
}

void choose_root(const Flags& flags, GlobalOptions& g) {
    if (flags.is_set("root")) return;
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    if (xdg && *xdg && honors_xdg_runtime_dir()) {
        g.root = std::string(xdg) + "/berth";
        g.root_in_xdg = true;
    } else if (::geteuid() != 0) {
        g.root_unusable = "rootless: no state root: set $XDG_RUNTIME_DIR to a directory you own, or pass --root "
                          "(the default " + g.root + " is root's)";
    }
}

}  // namespace

std::span<const FlagSpec> global_flag_specs() { return kGlobalFlags; }

Status prepare_state_root(const GlobalOptions& g) {
    if (!g.root_unusable.empty()) return Error::msg(g.root_unusable);
    if (!g.root_in_xdg) return {};
    // As runc: 0700 so no other user can look in, sticky so the XDG
    // directory's cleaner does not prune it.
    if (::mkdir(g.root.c_str(), 0700) != 0 && errno != EEXIST)
        return Error::from_errno("the path in $XDG_RUNTIME_DIR must be writable by the user: mkdir \"" + g.root + "\"");
    if (::chmod(g.root.c_str(), 01700) != 0)
        return Error::from_errno("you should check permission of the path in $XDG_RUNTIME_DIR: chmod \"" + g.root + "\"");
    return {};
}

Result<GlobalOptions> global_options(const Flags& flags) {
    GlobalOptions g;
    g.root = flags.get_string("root");
    g.root_given = flags.is_set("root");
    choose_root(flags, g);
    g.log = flags.get_string("log");
    BERTH_TRY_ASSIGN(g.log_format, log::parse_format(flags.get_string("log-format")));
    g.debug = flags.get_bool("debug");
    g.trace = flags.get_bool("trace") || trace::requested_by_environment();
    g.systemd_cgroup = flags.get_bool("systemd-cgroup");
    BERTH_TRY_ASSIGN(g.rootless, parse_rootless(flags.get_string("rootless")));
    g.criu = flags.get_string("criu");
    return g;
}

Status check_arg_count(const Command& c, size_t count) {
    const auto n = static_cast<int>(count);
    const char* rule = nullptr;
    int expected = 0;
    switch (c.arg_count.kind) {
        case ArgCount::Exact:
            if (n != c.arg_count.min) rule = "exactly", expected = c.arg_count.min;
            break;
        case ArgCount::Min:
            if (n < c.arg_count.min) rule = "a minimum of", expected = c.arg_count.min;
            break;
        case ArgCount::Max:
            if (n > c.arg_count.max) rule = "a maximum of", expected = c.arg_count.max;
            break;
        case ArgCount::Range:
            if (n < c.arg_count.min) rule = "a minimum of", expected = c.arg_count.min;
            if (n > c.arg_count.max) rule = "a maximum of", expected = c.arg_count.max;
            break;
    }
    if (rule == nullptr) return {};
    return Error::msg("berth: \"" + std::string(c.name) + "\" requires " + rule + " " + std::to_string(expected) +
                      " argument(s)");
}

}  // namespace berth::cli
