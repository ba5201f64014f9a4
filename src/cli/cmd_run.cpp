// berth run: create + start, and by default wait for the process and delete the container.
#include "berth/cli/commands.hpp"

#include "berth/cli/shared_flags.hpp"
#include "berth/container/run.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    kBundleFlag,
    kConsoleSocketFlag,
    kPidfdSocketFlag,
    kDetachFlag,
    {"keep", "", FlagKind::Bool, "do not delete the container after it exits"},
    kPidFileFlag,
    kNoSubreaperFlag,
    kNoPivotFlag,
    kNoNewKeyringFlag,
    kPreserveFdsFlag,
};

Result<int> run_run(const Invocation& inv) {
    container::RunOptions options;
    options.create = create_options(inv);
    options.detach = inv.flags.get_bool("detach");
    options.keep = inv.flags.get_bool("keep");
    options.no_subreaper = inv.flags.get_bool("no-subreaper");
    // Every failure of run, in runc's words with berth's name ("runc run failed: ...").
    auto ran = container::run_container(std::move(options));
    if (!ran) return std::move(ran).error().wrap("berth run failed");
    return ran;
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
