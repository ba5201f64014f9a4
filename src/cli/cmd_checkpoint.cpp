// berth checkpoint: would dump a container with CRIU; berth has no CRIU support.
#include "berth/cli/commands.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"image-path", "", FlagKind::String, "path for saving criu image files"},
    {"work-path", "", FlagKind::String, "path for saving work files and logs"},
    {"parent-path", "", FlagKind::String, "path for previous criu image files in pre-dump"},
    {"leave-running", "", FlagKind::Bool, "leave the process running after checkpointing"},
    {"tcp-established", "", FlagKind::Bool, "allow open tcp connections"},
    {"ext-unix-sk", "", FlagKind::Bool, "allow external unix sockets"},
    {"shell-job", "", FlagKind::Bool, "allow shell jobs"},
    {"lazy-pages", "", FlagKind::Bool, "use userfaultfd to lazily restore memory pages"},
    {"status-fd", "", FlagKind::Int, "criu writes \\0 to this FD once lazy-pages is ready", "-1"},
    {"page-server", "", FlagKind::String, "ADDRESS:PORT of the page server"},
    {"file-locks", "", FlagKind::Bool, "handle file locks, for safety"},
    {"pre-dump", "", FlagKind::Bool, "dump container's memory information only, leave the container running"},
    {"manage-cgroups-mode", "", FlagKind::String, "cgroups mode: 'soft' (default), 'full' and 'strict'"},
    {"empty-ns", "", FlagKind::StringList, "create a namespace, but don't restore its properties"},
    {"auto-dedup", "", FlagKind::Bool, "enable auto deduplication of memory images"},
};
}  // namespace

const Command kCheckpointCommand = {
    .name = "checkpoint",
    .summary = "checkpoint a running container",
    .args_usage = "<container-id>",
    .description = {},
    .flags = kFlags,
    .arg_count = ArgCount::exactly(1),
};
}  // namespace berth::cli
