// berth features: prints the runtime-spec features document of this build.
#include <cstdio>

#include "berth/cli/commands.hpp"
#include "berth/container/features.hpp"
#include "oci/parser.hpp"

namespace berth::cli {
namespace {
Result<int> run_features(const Invocation&) {
    std::string json = oci::write_features(container::runtime_features()) + "\n";
    std::fwrite(json.data(), 1, json.size(), stdout);
    return 0;
}
}  // namespace

const Command kFeaturesCommand = {
    .name = "features",
    .summary = "show the enabled features",
    .args_usage = "",
    .description = "Prints, as JSON, the runtime-spec features berth implements.",
    .flags = {},
    .arg_count = ArgCount::exactly(0),
    .run = run_features,
};
}  // namespace berth::cli
