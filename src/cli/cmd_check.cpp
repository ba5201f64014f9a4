// berth check: validates a bundle against the spec and this host (ours; no
// other runtime has it). Prints the host summary and every problem, one per
// line with its JSON path; exits 0 only when there is none.
#include <cstdio>

#include "berth/cli/commands.hpp"
#include "berth/cli/shared_flags.hpp"
#include "berth/container/bundle_check.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {kBundleFlag};

Result<int> run_check(const Invocation& inv) {
    std::string bundle = inv.flags.get_string("bundle");
    if (bundle.empty()) bundle = ".";
    BERTH_TRY_ASSIGN(container::HostFacts host, container::probe_host());
    std::string report = "host: " + container::describe(host) + "\n";
    container::Problems problems = container::check_bundle(bundle, host);
    for (const container::Problem& p : problems) report += p.text() + "\n";
    std::fwrite(report.data(), 1, report.size(), stdout);
    std::fflush(stdout);
    if (problems.empty()) {
        std::printf("%s/config.json: no problems found\n", bundle.c_str());
        return 0;
    }
    return Error::msg(bundle + "/config.json: " + std::to_string(problems.size()) + " problem" +
                      (problems.size() == 1 ? "" : "s") + " found");
}
}  // namespace

const Command kCheckCommand = {
    .name = "check",
    .summary = "check a bundle against the runtime spec and this host",
    .args_usage = "",
    .description = "Prints every problem of the bundle's config.json with its JSON path; exits 0 when there is none.",
    .flags = kFlags,
    .arg_count = ArgCount::exactly(0),
    .run = run_check,
};
}  // namespace berth::cli
