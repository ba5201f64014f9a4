// berth exec: runs a new process inside a running container.
#include "berth/cli/commands.hpp"

#include "berth/cli/shared_flags.hpp"
#include "berth/container/exec.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    kConsoleSocketFlag,
    {"pidfd-socket", "", FlagKind::String,
     "path to an AF_UNIX socket which will receive a file descriptor referencing the exec process"},
    {"cwd", "", FlagKind::String, "current working directory in the container"},
    {"env", "e", FlagKind::StringList, "set environment variables"},
    {"tty", "t", FlagKind::Bool, "allocate a pseudo-TTY"},
    {"user", "u", FlagKind::String, "UID (format: <uid>[:<gid>])"},
    {"additional-gids", "g", FlagKind::StringList, "additional gids"},
    {"process", "p", FlagKind::String, "path to the process.json"},
    kDetachFlag,
    kPidFileFlag,
    {"process-label", "", FlagKind::String, "set the asm process label for the process commonly used with selinux"},
    {"apparmor", "", FlagKind::String, "set the apparmor profile for the process"},
    {"no-new-privs", "", FlagKind::Bool, "set the no new privileges value for the process"},
    {"cap", "c", FlagKind::StringList, "add a capability to the bounding set for the process"},
    kPreserveFdsFlag,
    {"cgroup", "", FlagKind::StringList,
     "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>."},
    {"ignore-paused", "", FlagKind::Bool, "allow exec in a paused container"},
};

std::optional<bool> bool_if_set(const Flags& flags, std::string_view name) {
    if (!flags.is_set(name)) return std::nullopt;
    return flags.get_bool(name);
}

container::ExecOptions exec_options(const Invocation& inv) {
    const Flags& f = inv.flags;
    container::ExecOptions o;
    o.root = inv.global.root;
    o.rootless = inv.global.rootless;
    o.id = inv.args[0];
    o.process_file = f.get_string("process");
    o.process = {
        .args = std::vector<std::string>(inv.args.begin() + 1, inv.args.end()),
        .cwd = f.get_string("cwd"),
        .env = f.get_list("env"),
        .tty = bool_if_set(f, "tty"),
        .user = f.get_string("user"),
        .additional_gids = f.get_list("additional-gids"),
        .caps = f.get_list("cap"),
        .no_new_privs = bool_if_set(f, "no-new-privs"),
        .apparmor = f.get_string("apparmor"),
        .process_label = f.get_string("process-label"),
    };
    o.detach = f.get_bool("detach");
    o.pid_file = f.get_string("pid-file");
    o.console_socket = f.get_string("console-socket");
    o.pidfd_socket = f.get_string("pidfd-socket");
    o.preserve_fds = static_cast<int>(f.get_uint("preserve-fds"));
    o.cgroups = f.get_list("cgroup");
    o.ignore_paused = f.get_bool("ignore-paused");
    return o;
}

// Any failure of exec itself exits 255 (as runc), so it is told apart from
// the process's own exit status.
Result<int> run_exec(const Invocation& inv) {
    auto code = container::exec_container(exec_options(inv));
    if (!code) return std::move(code).error().wrap("exec failed").with_exit_code(255);
    return code;
}
}  // namespace

const Command kExecCommand = {
    .name = "exec",
    .summary = "execute new process inside the container",
    .args_usage = "<container-id> <command> [command options]  || -p process.json <container-id>",
    .description = {},
    .flags = kFlags,
    .arg_count = ArgCount::at_least(1),
    // Everything after the container id is the command line, its flags included.
    .order = ArgOrder::FlagsFirst,
    .run = run_exec,
};
}  // namespace berth::cli
