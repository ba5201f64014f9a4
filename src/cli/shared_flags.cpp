#include "berth/cli/shared_flags.hpp"

namespace berth::cli {

container::CreateOptions create_options(const Invocation& inv) {
    container::CreateOptions options;
    options.root = inv.global.root;
    options.id = inv.args[0];
    options.bundle = inv.flags.get_string("bundle");
    options.pid_file = inv.flags.get_string("pid-file");
    options.console_socket = inv.flags.get_string("console-socket");
    options.pidfd_socket = inv.flags.get_string("pidfd-socket");
    options.no_pivot = inv.flags.get_bool("no-pivot");
    options.no_new_keyring = inv.flags.get_bool("no-new-keyring");
    options.systemd_cgroup = inv.global.systemd_cgroup;
    options.rootless = inv.global.rootless;
    options.preserve_fds = static_cast<int>(inv.flags.get_uint("preserve-fds"));
    return options;
}

}  // namespace berth::cli
