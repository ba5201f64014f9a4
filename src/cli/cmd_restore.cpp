// berth restore: would restore a CRIU checkpoint; berth has no CRIU support.
#include "berth/cli/commands.hpp"
#include "berth/cli/shared_flags.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    kConsoleSocketFlag,
    {"image-path", "", FlagKind::String, "path to criu image files for restoring"},
    {"work-path", "", FlagKind::String, "path for saving work files and logs"},
    {"tcp-established", "", FlagKind::Bool, "allow open tcp connections"},
    {"ext-unix-sk", "", FlagKind::Bool, "allow external unix sockets"},
    {"shell-job", "", FlagKind::Bool, "allow shell jobs"},
    {"file-locks", "", FlagKind::Bool, "handle file locks, for safety"},
    {"manage-cgroups-mode", "", FlagKind::String, "cgroups mode: 'soft' (default), 'full' and 'strict'"},
    {"bundle", "b", FlagKind::String, "path to the root of the bundle directory"},
    kDetachFlag,
    kPidFileFlag,
    kNoSubreaperFlag,
    kNoPivotFlag,
    {"empty-ns", "", FlagKind::StringList, "create a namespace, but don't restore its properties"},
    {"auto-dedup", "", FlagKind::Bool, "enable auto deduplication of memory images"},
    {"lazy-pages", "", FlagKind::Bool, "use userfaultfd to lazily restore memory pages"},
    {"lsm-profile", "", FlagKind::String, "specify an LSM profile to be used during restore in the form of TYPE:NAME"},
    {"lsm-mount-context", "", FlagKind::String, "specify an LSM mount context to be used during restore"},
};
}  // namespace

const Command kRestoreCommand = {
    .name = "restore",
    .summary = "restore a container from a previous checkpoint",
    .args_usage = "<container-id>",
    .description = {},
    .flags = kFlags,
    .arg_count = ArgCount::exactly(1),
};
}  // namespace berth::cli
