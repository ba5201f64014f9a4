// berth run: create + start, and by default wait for the process and delete the container.
#include "berth/cli/commands.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"bundle", "b", FlagKind::String, "path to the root of the bundle directory, defaults to the current directory"},
    {"console-socket", "", FlagKind::String,
     "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's "
     "pseudoterminal"},
    {"detach", "d", FlagKind::Bool, "detach from the container's process"},
    {"keep", "", FlagKind::Bool, "do not delete the container after it exits"},
    {"pid-file", "", FlagKind::String, "specify the file to write the process id to"},
    {"no-subreaper", "", FlagKind::Bool, "disable the use of the subreaper used to reap reparented processes"},
    {"no-pivot", "", FlagKind::Bool, "do not use pivot root to jail process inside rootfs"},
    {"no-new-keyring", "", FlagKind::Bool, "do not create a new session keyring for the container"},
    {"preserve-fds", "", FlagKind::Uint, "pass N additional file descriptors to the container", "0"},
};
}  // namespace

const Command kRunCommand = {
    .name = "run",
    .summary = "create and run a container",
    .args_usage = "<container-id>",
    .description = "Creates the container described by the bundle's config.json and runs its process.",
    .flags = kFlags,
    .arg_count = ArgCount::exactly(1),
};
}  // namespace berth::cli
