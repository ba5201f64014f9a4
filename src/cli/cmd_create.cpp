// berth create: sets up the container from its bundle and stops before the user's process runs.
#include "berth/cli/commands.hpp"

#include "berth/cli/shared_flags.hpp"
#include "berth/container/lifecycle.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    kBundleFlag, kConsoleSocketFlag, kPidfdSocketFlag, kPidFileFlag, kNoPivotFlag, kNoNewKeyringFlag, kPreserveFdsFlag,
};

Result<int> run_create(const Invocation& inv) {
    container::CreateOptions options = create_options(inv);
    // Every failure of create, in runc's words with berth's name ("runc create failed: ...").
    if (auto created = container::create_container(options); !created)
        return std::move(created).error().wrap("berth create failed");
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
