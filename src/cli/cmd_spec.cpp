// berth spec: writes a default config.json into the bundle, as `runc spec` does.
#include <fcntl.h>
#include <unistd.h>

#include "berth/cgroups/hierarchy.hpp"
#include "berth/cli/commands.hpp"
#include "berth/util/fd.hpp"
#include "oci/defaults.hpp"
#include "oci/parser.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"bundle", "b", FlagKind::String, "path to the root of the bundle directory"},
    {"rootless", "", FlagKind::Bool, "generate a configuration for a rootless container"},
};

Status write_all(int fd, std::string_view data, const std::string& what) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::from_errno("write " + what);
        data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

Result<int> run_spec(const Invocation& inv) {
    const std::string bundle = inv.flags.get_string("bundle");
    UniqueFd dir(::open(bundle.empty() ? "." : bundle.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    // runc changes into the bundle first; keep its message.
    if (!dir) return Error::from_errno("chdir " + bundle);
    // O_EXCL: never overwrite a config someone edited (runc refuses the same way).
    UniqueFd file(::openat(dir.get(), "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (!file && errno == EEXIST) return Error::msg("File config.json exists. Remove it first");
    if (!file) return Error::from_errno("open config.json");
    oci::Spec spec = oci::default_config(inv.flags.get_bool("rootless"));
    // runc spec adds a cgroup namespace on a cgroup v2 host, rootless too (a
    // rootless container whose cgroup2 mount is refused gets its cgroup bound).
    if (auto hierarchies = cgroups::host_hierarchies(); hierarchies && hierarchies->layout == cgroups::Layout::unified)
        oci::add_cgroup_namespace(spec);
    BERTH_TRY(write_all(file.get(), oci::write_config(spec), "config.json"));
    return 0;
}
}  // namespace

const Command kSpecCommand = {
    .name = "spec",
    .summary = "create a new specification file",
    .args_usage = "",
    .description = "Writes a starter config.json (runs \"sh\" with a terminal) into the bundle directory.",
    .flags = kFlags,
    .arg_count = ArgCount::exactly(0),
    .run = run_spec,
};
}  // namespace berth::cli
