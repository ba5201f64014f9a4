// Command-line flags, parsed the way runc 1.1 (Go's flag package under
// urfave/cli) parses them, because managers call berth with runc's argv:
//   --name value, --name=value, -name value, -name=value (one or two dashes),
//   a short alias (-b) is the same flag as its long name (--bundle),
//   booleans take no separate value but accept --name=false,
//   `--` ends the flags, a lone `-` is an argument.
// Error texts are runc's: `flag provided but not defined: -foo`,
// `flag needs an argument: -bundle`, `invalid value "x" for flag -preserve-fds: parse error`.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "berth/util/result.hpp"

namespace berth::cli {

enum class FlagKind {
    Bool,
    String,
    StringList,  // may be repeated; every value is kept (runc's StringSlice)
    Int,         // validated as a signed integer (Go's ParseInt, base prefixes allowed)
    Uint,        // validated as an unsigned integer
    Duration,    // validated as a Go duration: "5s", "1m30s", "250ms"
};

struct FlagSpec {
    std::string_view name;   // long name without dashes: "bundle"
    std::string_view alias;  // short name without dash, "" when none: "b"
    FlagKind kind;
    std::string_view help;
    std::string_view default_value = {};  // used when the flag is absent; shown in --help
};

// The values of one parse. Accessors take the long name and fall back to the
// spec's default_value when the flag was not given.
class Flags {
public:
    Flags() = default;
    explicit Flags(std::span<const FlagSpec> specs) : specs_(specs) {}

    bool is_set(std::string_view name) const;
    bool get_bool(std::string_view name) const;
    // Last value given (a repeated non-list flag: the last one wins, as in Go).
    std::string get_string(std::string_view name) const;
    std::vector<std::string> get_list(std::string_view name) const;
    int64_t get_int(std::string_view name) const;
    uint64_t get_uint(std::string_view name) const;
    // Nanoseconds.
    int64_t get_duration(std::string_view name) const;

    void add(std::string_view name, std::string value) { values_[std::string(name)].push_back(std::move(value)); }

private:
    const FlagSpec* spec(std::string_view name) const;
    std::span<const FlagSpec> specs_;
    std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

struct ParsedArgs {
    Flags flags;
    std::vector<std::string> args;  // positional arguments, in order
    bool help = false;              // -h/--help was given
};

enum class ArgOrder {
    // Flags may follow positional arguments (urfave/cli reorders them): `delete ID --force`.
    FlagsAnywhere,
    // Flags end at the first positional argument; the rest is passed through
    // untouched (exec's command line, ps's ps options).
    FlagsFirst,
};

// Parses `argv` (without the program or command name). -h/--help is always
// accepted and sets `help`.
Result<ParsedArgs> parse_flags(std::span<const FlagSpec> specs, std::span<const std::string> argv, ArgOrder order);

// Go's time.ParseDuration for the forms runc users write; nanoseconds.
Result<int64_t> parse_go_duration(std::string_view text);
// Go's strconv.ParseBool.
Result<bool> parse_go_bool(std::string_view text);

}  // namespace berth::cli
