// berth checkpoint: dumps a running container with CRIU (container/checkpoint.hpp).
#include "berth/cli/commands.hpp"

#include "berth/cli/criu_flags.hpp"
#include "berth/container/checkpoint.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"image-path", "", FlagKind::String, "path for saving criu image files"},
    {"work-path", "", FlagKind::String, "path for saving work files and logs"},
    {"parent-path", "", FlagKind::String, "path for previous criu image files in pre-dump"},
    {"leave-running", "", FlagKind::Bool, "leave the process running after checkpointing"},
    {"tcp-established", "", FlagKind::Bool, "allow open tcp connections"},
    {"tcp-skip-in-flight", "", FlagKind::Bool, "skip in-flight tcp connections"},
    {"link-remap", "", FlagKind::Bool, "allow one to link unlinked files back when possible"},
    {"ext-unix-sk", "", FlagKind::Bool, "allow external unix sockets"},
    {"shell-job", "", FlagKind::Bool, "allow shell jobs"},
    {"lazy-pages", "", FlagKind::Bool, "use userfaultfd to lazily restore memory pages"},
    {"status-fd", "", FlagKind::Int, "criu writes \\0 to this FD once lazy-pages is ready", "-1"},
    {"page-server", "", FlagKind::String, "ADDRESS:PORT of the page server"},
    {"file-locks", "", FlagKind::Bool, "handle file locks, for safety"},
    {"pre-dump", "", FlagKind::Bool, "dump container's memory information only, leave the container running after this"},
    {"manage-cgroups-mode", "", FlagKind::String, "cgroups mode: soft|full|strict|ignore (default: soft)"},
    {"empty-ns", "", FlagKind::StringList, "create a namespace, but don't restore its properties"},
    {"auto-dedup", "", FlagKind::Bool, "enable auto deduplication of memory images"},
};

Result<int> run_checkpoint(const Invocation& inv) {
    container::CheckpointOptions options;
    options.criu = criu_options(inv);
    options.parent_path = inv.flags.get_string("parent-path");
    options.leave_running = inv.flags.get_bool("leave-running");
    options.pre_dump = inv.flags.get_bool("pre-dump");
    options.tcp_skip_in_flight = inv.flags.get_bool("tcp-skip-in-flight");
    options.link_remap = inv.flags.get_bool("link-remap");
    options.status_fd = static_cast<int>(inv.flags.get_int("status-fd"));
    options.page_server = inv.flags.get_string("page-server");
    BERTH_TRY(container::checkpoint_container(inv.global.root, inv.args[0], options));
    return 0;
}
}  // namespace

const Command kCheckpointCommand = {
    .name = "checkpoint",
    .summary = "checkpoint a running container",
    .args_usage = "<container-id>",
    .description = "Saves the state of the container's processes with CRIU (found in $PATH, or --criu) into "
                   "--image-path; unless --leave-running or --pre-dump, the container is then deleted.",
    .flags = kFlags,
    .arg_count = ArgCount::exactly(1),
    .run = run_checkpoint,
};
}  // namespace berth::cli
