// berth restore: a new container from a CRIU checkpoint (container/checkpoint.hpp).
#include "berth/cli/commands.hpp"

#include "berth/cli/criu_flags.hpp"
#include "berth/cli/shared_flags.hpp"
#include "berth/container/checkpoint.hpp"

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
    {"manage-cgroups-mode", "", FlagKind::String, "cgroups mode: soft|full|strict|ignore (default: soft)"},
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

Result<int> run_restore(const Invocation& inv) {
    container::RestoreOptions options;
    options.create = create_options(inv);
    options.criu = criu_options(inv);
    options.detach = inv.flags.get_bool("detach");
    options.no_subreaper = inv.flags.get_bool("no-subreaper");
    options.lsm_profile = inv.flags.get_string("lsm-profile");
    options.lsm_mount_context = inv.flags.get_string("lsm-mount-context");
    return container::restore_container(std::move(options));
}
}  // namespace

const Command kRestoreCommand = {
    .name = "restore",
    .summary = "restore a container from a previous checkpoint",
    .args_usage = "<container-id>",
    .description = "Creates the container described by the bundle's config.json with its processes restored by CRIU "
                   "from --image-path, in the cgroup its manager makes; without --detach waits for it as `run` does.",
    .flags = kFlags,
    .arg_count = ArgCount::exactly(1),
    .run = run_restore,
};
}  // namespace berth::cli
