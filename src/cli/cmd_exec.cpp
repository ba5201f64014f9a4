// berth exec: runs a new process inside a running container.
#include "berth/cli/commands.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"console-socket", "", FlagKind::String,
     "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's "
     "pseudoterminal"},
    {"cwd", "", FlagKind::String, "current working directory in the container"},
    {"env", "e", FlagKind::StringList, "set environment variables"},
    {"tty", "t", FlagKind::Bool, "allocate a pseudo-TTY"},
    {"user", "u", FlagKind::String, "UID (format: <uid>[:<gid>])"},
    {"additional-gids", "g", FlagKind::StringList, "additional gids"},
    {"process", "p", FlagKind::String, "path to the process.json"},
    {"detach", "d", FlagKind::Bool, "detach from the container's process"},
    {"pid-file", "", FlagKind::String, "specify the file to write the process id to"},
    {"process-label", "", FlagKind::String, "set the asm process label for the process commonly used with selinux"},
    {"apparmor", "", FlagKind::String, "set the apparmor profile for the process"},
    {"no-new-privs", "", FlagKind::Bool, "set the no new privileges value for the process"},
    {"cap", "c", FlagKind::StringList, "add a capability to the bounding set for the process"},
    {"preserve-fds", "", FlagKind::Uint, "pass N additional file descriptors to the container", "0"},
    {"cgroup", "", FlagKind::StringList,
     "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>."},
    {"ignore-paused", "", FlagKind::Bool, "allow exec in a paused container"},
};
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
};
}  // namespace berth::cli
