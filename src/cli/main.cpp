// The dispatcher: global flags, then the subcommand, with runc 1.1's
// behaviour on every error path (what is printed where, and the exit status).
#include "berth/cli/main.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "berth/cli/commands.hpp"
#include "berth/cli/help.hpp"
#include "berth/linux/self_protect.hpp"
#include "berth/process/plan.hpp"
#include "berth/util/trace.hpp"

namespace berth::cli {
namespace {

// `berth --help` order, as runc lists them (alphabetical, features last), then ours.
constexpr const Command* kCommands[] = {
    &kCheckpointCommand, &kCreateCommand, &kDeleteCommand, &kEventsCommand, &kExecCommand,  &kKillCommand,
    &kListCommand,       &kPauseCommand,  &kPsCommand,     &kRestoreCommand, &kResumeCommand, &kRunCommand,
    &kSpecCommand,       &kStartCommand,  &kStateCommand,  &kUpdateCommand,  &kFeaturesCommand, &kCheckCommand,
};

// Commands whose process (a clone of berth) enters a container: the binary
// must be protected first (CVE-2019-5736, see self_protect.hpp).
bool enters_container(const std::vector<std::string>& args) {
    return !args.empty() && (args[0] == "create" || args[0] == "run" || args[0] == "exec");
}

// Commands that never read or write the state root: they work for any user
// without one.
bool stateless(const Command& command) {
    return &command == &kSpecCommand || &command == &kFeaturesCommand || &command == &kCheckCommand;
}

void print_stdout(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

// urfave/cli prints "Incorrect Usage" and the help to stdout; the error itself is logged.
int usage_error(const std::string& header, const std::string& help, const Error& err) {
    print_stdout(header + "\n\n" + help);
    std::fflush(stdout);
    return log::fail(err);
}

int run_command(const Command& command, const GlobalOptions& global, std::span<const std::string> argv) {
    auto parsed = parse_flags(command.flags, argv, command.order);
    if (!parsed) return usage_error("Incorrect Usage: " + parsed.error().what(), command_help(command), parsed.error());
    if (parsed->help) {
        print_stdout(command_help(command));
        return 0;
    }
    if (auto count = check_arg_count(command, parsed->args.size()); !count) {
        return usage_error("Incorrect Usage.", command_help(command), count.error());
    }
    auto status = command.run(Invocation{global, parsed->flags, parsed->args});
    if (!status) return log::fail(status.error());
    return *status;
}

}  // namespace

std::span<const Command* const> all_commands() { return kCommands; }

const Command* find_command(std::string_view name) {
    for (const Command* c : kCommands) {
        if (c->name == name) return c;
    }
    return nullptr;
}

int main(int argc, char** argv) {
    // Before berth opens any fd of its own (see plan.hpp); the exe mount
    // came from our own re-exec, not from the caller.
    process::note_inherited_fds(linux_setup::adopt_exe_mount());
    std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    auto parsed = parse_flags(global_flag_specs(), args, ArgOrder::FlagsFirst);
    if (!parsed) return usage_error("Incorrect Usage. " + parsed.error().what(), app_help(), parsed.error());
    // May re-exec once, so before the log file is opened; failures are logged below.
    const Status exe_protected =
        enters_container(parsed->args) ? linux_setup::protect_own_binary(argv, environ) : Status{};
    auto global = global_options(parsed->flags);
    if (!global) return log::fail(global.error());
    if (auto logged = log::configure(global->log, global->log_format, global->debug); !logged) {
        return log::fail(logged.error());
    }
    trace::enable(global->trace, global->debug, !global->log.empty());
    if (!exe_protected) return log::fail(exe_protected.error());
    if (enters_container(parsed->args) && global->debug) {
        log::debug(std::string("exe protection: /proc/self/exe is ") + linux_setup::own_binary_protection_name() +
                   " (CVE-2019-5736)");
    }
    const std::vector<std::string>& rest = parsed->args;
    if (parsed->help || (rest.empty() && !parsed->flags.get_bool("version"))) {
        print_stdout(app_help());
        return 0;
    }
    if (parsed->flags.get_bool("version")) {
        print_stdout(version_text());
        return 0;
    }
    const std::string& name = rest[0];
    if (name == "help" || name == "h") {
        const Command* topic = rest.size() > 1 ? find_command(rest[1]) : nullptr;
        if (rest.size() > 1 && topic == nullptr) return log::fail(Error::msg("No help topic for '" + rest[1] + "'\n").with_exit_code(3));
        print_stdout(topic ? command_help(*topic) : app_help());
        return 0;
    }
    const Command* command = find_command(name);
    // urfave/cli's text and status for an unknown command.
    if (command == nullptr) return log::fail(Error::msg("No help topic for '" + name + "'\n").with_exit_code(3));
    if (!stateless(*command))
        if (Status root = prepare_state_root(*global); !root) return log::fail(root.error());
    std::string command_line = "berth";
    for (const std::string& a : args) command_line.append(" ").append(a);
    log::debug(command_line);
    int code = run_command(*command, *global, std::span<const std::string>(rest).subspan(1));
    trace::finish(std::string(command->name).c_str());
    return code;
}

}  // namespace berth::cli
