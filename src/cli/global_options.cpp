#include "berth/cli/command.hpp"
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
}  // namespace

std::span<const FlagSpec> global_flag_specs() { return kGlobalFlags; }

Result<GlobalOptions> global_options(const Flags& flags) {
    GlobalOptions g;
    g.root = flags.get_string("root");
    g.root_given = flags.is_set("root");
    g.log = flags.get_string("log");
    BERTH_TRY_ASSIGN(g.log_format, log::parse_format(flags.get_string("log-format")));
    g.debug = flags.get_bool("debug");
    g.trace = flags.get_bool("trace") || trace::requested_by_environment();
    g.systemd_cgroup = flags.get_bool("systemd-cgroup");
    g.rootless = flags.get_string("rootless");
    g.criu = flags.get_string("criu");
    return g;
}

Error not_implemented(std::string_view command) {
    return Error::msg(std::string(command) + " is not implemented yet");
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
