#include "berth/cli/help.hpp"

#include <seccomp.h>

#include <algorithm>

#include "berth/cli/commands.hpp"
#include "berth/version.hpp"
#include "oci/spec.hpp"

namespace berth::cli {
namespace {

std::string flag_label(const FlagSpec& f) {
    bool takes_value = f.kind != FlagKind::Bool;
    std::string label = "--" + std::string(f.name) + (takes_value ? " value" : "");
    if (!f.alias.empty()) label += ", -" + std::string(f.alias) + (takes_value ? " value" : "");
    return label;
}

// "   <label><padding to width + 2><text>\n"; appended piecewise (GCC 12
// raises a false -Wrestrict on chained std::string operator+ here).
void append_row(std::string& out, std::string_view label, size_t width, std::string_view text) {
    out.append("   ").append(label).append(width - label.size() + 2, ' ').append(text).append("\n");
}

std::string options_block(std::span<const FlagSpec> flags, bool with_help_flag) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (const FlagSpec& f : flags) {
        std::string text(f.help);
        // urfave/cli quotes string defaults: (default: "table"), (default: 0).
        bool quoted = f.kind == FlagKind::String;
        if (!f.default_value.empty()) {
            text.append(" (default: ").append(quoted ? "\"" : "").append(f.default_value).append(quoted ? "\")" : ")");
        }
        rows.emplace_back(flag_label(f), text);
    }
    if (with_help_flag) rows.emplace_back("--help, -h", "show help");
    size_t width = 0;
    for (const auto& row : rows) width = std::max(width, row.first.size());
    std::string out;
    for (const auto& [label, text] : rows) append_row(out, label, width, text);
    return out;
}

}  // namespace

std::string command_help(const Command& c) {
    std::string out;
    out.append("NAME:\n   berth ").append(c.name).append(" - ").append(c.summary).append("\n\nUSAGE:\n   berth ");
    out.append(c.name);
    if (!c.flags.empty()) out.append(" [command options]");
    if (!c.args_usage.empty()) out.append(" ").append(c.args_usage);
    out.append("\n");
    if (!c.description.empty()) out.append("\nDESCRIPTION:\n   ").append(c.description).append("\n");
    if (!c.flags.empty()) out.append("\nOPTIONS:\n").append(options_block(c.flags, false));
    return out;
}

std::string app_help() {
    std::string out =
        "NAME:\n   berth - Open Container Initiative runtime, command-line compatible with runc\n\n"
        "USAGE:\n   berth [global options] command [command options] [arguments...]\n\n"
        "VERSION:\n   " +
        version_text() + "\nCOMMANDS:\n";
    size_t width = std::string_view("help, h").size();
    for (const Command* c : all_commands()) width = std::max(width, c->name.size());
    for (const Command* c : all_commands()) {
        append_row(out, c->name, width, c->summary);
    }
    append_row(out, "help, h", width, "shows a list of commands or help for one command");
    out += "\nGLOBAL OPTIONS:\n" + options_block(global_flag_specs(), true);
    return out;
}

std::string version_text() {
    std::string out = std::string("berth version ") + kVersion + "\ncommit: " + kCommit + "\nspec: " +
                      oci::kSpecVersion + "\n";
    // The libseccomp linked into this binary, as runc reports it.
    if (const scmp_version* v = seccomp_version()) {
        out += "libseccomp: " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
               std::to_string(v->micro) + "\n";
    }
    return out;
}

}  // namespace berth::cli
