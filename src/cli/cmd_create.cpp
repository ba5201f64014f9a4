// berth create: sets up the container from its bundle and stops before the user's process runs.
#include "berth/cli/commands.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"bundle", "b", FlagKind::String, "path to the root of the bundle directory, defaults to the current directory"},
    {"console-socket", "", FlagKind::String,
     "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's "
     "pseudoterminal"},
    {"pid-file", "", FlagKind::String, "specify the file to write the process id to"},
    {"no-pivot", "", FlagKind::Bool, "do not use pivot root to jail process inside rootfs"},
    {"no-new-keyring", "", FlagKind::Bool, "do not create a new session keyring for the container"},
    {"preserve-fds", "", FlagKind::Uint, "pass N additional file descriptors to the container", "0"},
};
}  // namespace

const Command kCreateCommand = {
    .name = "create",
    .summary = "create a container",
    .args_usage = "<container-id>",
    .description = "Creates the container described by the bundle's config.json; `start` then runs its process.",
    .flags = kFlags,
    .arg_count = ArgCount::exactly(1),
};
}  // namespace berth::cli
