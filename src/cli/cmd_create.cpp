// berth create: sets up the container from its bundle and stops before the user's process runs.
#include "berth/cli/commands.hpp"

#include "berth/container/lifecycle.hpp"

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

Result<int> run_create(const Invocation& inv) {
    container::CreateOptions options;
    options.root = inv.global.root;
    options.id = inv.args[0];
    options.bundle = inv.flags.get_string("bundle");
    options.pid_file = inv.flags.get_string("pid-file");
    options.console_socket = inv.flags.get_string("console-socket");
    options.no_pivot = inv.flags.get_bool("no-pivot");
    options.no_new_keyring = inv.flags.get_bool("no-new-keyring");
    options.systemd_cgroup = inv.global.systemd_cgroup;
    options.preserve_fds = static_cast<int>(inv.flags.get_uint("preserve-fds"));
    BERTH_TRY(container::create_container(options));
    return 0;
}
}  // namespace

const Command kCreateCommand = {
    .name = "create",
    .summary = "create a container",
    .args_usage = "<container-id>",
    .description = "Creates the container described by the bundle's config.json; `start` then runs its process.",
    .flags = kFlags,
    .arg_count = ArgCount::exactly(1),
    .run = run_create,
};
}  // namespace berth::cli
