// libFuzzer harness: the runc-compatible flag parser (berth::cli::parse_flags).
// Input layout: byte 0 picks the flag table and the argument order, the rest
// is argv split at NUL bytes. After a successful parse every accessor is read,
// as the commands do; a parsed Int/Uint/Duration flag must convert.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "berth/cli/command.hpp"
#include "berth/cli/flags.hpp"

namespace {

using berth::cli::FlagKind;
using berth::cli::FlagSpec;

// One flag of every kind, with and without aliases and defaults, so the
// fuzzer reaches every validation branch (the real commands' tables live in
// the cmd_*.cpp files, which pull in the whole runtime).
constexpr FlagSpec kEveryKind[] = {
    {"bundle", "b", FlagKind::String, "bundle path", "."},
    {"detach", "d", FlagKind::Bool, "detach"},
    {"env", "e", FlagKind::StringList, "environment"},
    {"preserve-fds", "", FlagKind::Int, "extra fds", "0"},
    {"pid", "p", FlagKind::Uint, "pid"},
    {"timeout", "t", FlagKind::Duration, "timeout", "10s"},
    {"force", "f", FlagKind::Bool, "force"},
};

void read_every_flag(const berth::cli::Flags& flags, std::span<const FlagSpec> specs) {
    for (const FlagSpec& spec : specs) {
        bool set = flags.is_set(spec.name);
        switch (spec.kind) {
            case FlagKind::Bool: flags.get_bool(spec.name); break;
            case FlagKind::String: flags.get_string(spec.name); break;
            case FlagKind::StringList:
                if (set && flags.get_list(spec.name).empty()) std::abort();
                break;
            case FlagKind::Int: flags.get_int(spec.name); break;
            case FlagKind::Uint: flags.get_uint(spec.name); break;
            case FlagKind::Duration:
                // parse_flags accepted the value, so the accessor must agree.
                if (set && !berth::cli::parse_go_duration(flags.get_string(spec.name)).ok()) std::abort();
                break;
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint8_t selector = data[0];
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::vector<std::string> argv;
    while (!rest.empty()) {
        size_t end = rest.find('\0');
        argv.emplace_back(rest.substr(0, end));
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
    std::span<const FlagSpec> specs = (selector & 1) ? std::span<const FlagSpec>(berth::cli::global_flag_specs())
                                                     : std::span<const FlagSpec>(kEveryKind);
    auto order = (selector & 2) ? berth::cli::ArgOrder::FlagsFirst : berth::cli::ArgOrder::FlagsAnywhere;
    auto parsed = berth::cli::parse_flags(specs, argv, order);
    if (!parsed.ok()) {
        if (parsed.error().what().empty()) std::abort();
    } else {
        read_every_flag(parsed->flags, specs);
        if (parsed->args.size() > argv.size()) std::abort();
    }
    for (const std::string& arg : argv) {
        (void)berth::cli::parse_go_duration(arg);
        (void)berth::cli::parse_go_bool(arg);
    }
    return 0;
}
