// berth list: lists the containers under --root.
#include "berth/cli/commands.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "berth/container/lifecycle.hpp"
#include "oci/parser.hpp"

namespace berth::cli {
namespace {
constexpr FlagSpec kFlags[] = {
    {"format", "f", FlagKind::String, "select one of: table or json", "table"},
    {"quiet", "q", FlagKind::Bool, "display only container IDs"},
};

// Go's tabwriter as runc configures it: minimum width 12, padding 3.
void print_table(const std::vector<container::ListEntry>& entries) {
    std::vector<std::vector<std::string>> rows = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
    for (const auto& e : entries) {
        rows.push_back({e.state.id, std::to_string(e.state.pid), e.state.status, e.state.bundle, e.state.created, e.owner});
    }
    std::vector<size_t> widths(rows[0].size(), 12);
    for (const auto& row : rows) {
        for (size_t i = 0; i + 1 < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size() + 3);
    }
    for (const auto& row : rows) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line.append(widths[i] - row[i].size(), ' ');
        }
        std::puts(line.c_str());
    }
}

void print_json(const std::vector<container::ListEntry>& entries) {
    // runc marshals a nil slice: no containers print as null.
    if (entries.empty()) {
        std::puts("null");
        return;
    }
    std::string out = "[";
    for (const auto& e : entries) {
        oci::State state = e.state;
        state.owner = e.owner;
        if (out.size() > 1) out += ",";
        out += oci::write_state(state, false);
    }
    out += "]";
    std::puts(out.c_str());
}

Result<int> run_list(const Invocation& inv) {
    std::string format = inv.flags.get_string("format");
    if (format != "table" && format != "json") return Error::msg("invalid format option");
    // A missing default root only means nothing was created yet; a missing
    // --root the caller named is a mistake worth saying (as runc 1.3).
    struct stat st {};
    if (inv.global.root_given && ::stat(inv.global.root.c_str(), &st) != 0) {
        return Error::from_errno("open \"" + inv.global.root + "\"");
    }
    BERTH_TRY_ASSIGN(auto entries, container::list_containers(inv.global.root));
    if (inv.flags.get_bool("quiet")) {
        for (const auto& e : entries) std::puts(e.state.id.c_str());
    } else if (format == "json") {
        print_json(entries);
    } else {
        print_table(entries);
    }
    return 0;
}
}  // namespace

const Command kListCommand = {
    .name = "list",
    .summary = "lists containers started by berth with the given root",
    .args_usage = "",
    .description = {},
    .flags = kFlags,
    .arg_count = ArgCount::exactly(0),
    .run = run_list,
};
}  // namespace berth::cli
