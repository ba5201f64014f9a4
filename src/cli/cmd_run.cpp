// berth run: create + start, and by default wait for the process and delete the container.
#include "berth/cli/commands.hpp"

#include "berth/container/run.hpp"

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

Result<int> run_run(const Invocation& inv) {
    container::RunOptions options;
    container::CreateOptions& create = options.create;
    create.root = inv.global.root;
    create.id = inv.args[0];
    create.bundle = inv.flags.get_string("bundle");
    create.pid_file = inv.flags.get_string("pid-file");
    create.console_socket = inv.flags.get_string("console-socket");
    create.no_pivot = inv.flags.get_bool("no-pivot");
    create.no_new_keyring = inv.flags.get_bool("no-new-keyring");
    create.systemd_cgroup = inv.global.systemd_cgroup;
    create.preserve_fds = static_cast<int>(inv.flags.get_uint("preserve-fds"));
    options.detach = inv.flags.get_bool("detach");
    options.keep = inv.flags.get_bool("keep");
    options.no_subreaper = inv.flags.get_bool("no-subreaper");
    return container::run_container(std::move(options));
}
}  // namespace

const Command kRunCommand = {
    .name = "run",
    .summary = "create and run a container",
    .args_usage = "<container-id>",
    .description = "Creates the container described by the bundle's config.json and runs its process.",
    .flags = kFlags,
    .arg_count = ArgCount::exactly(1),
    .run = run_run,
};
}  // namespace berth::cli
