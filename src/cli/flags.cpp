#include "berth/cli/flags.hpp"

#include <cerrno>
#include <cstdlib>

namespace berth::cli {
namespace {

const FlagSpec* find_spec(std::span<const FlagSpec> specs, std::string_view name) {
    for (const FlagSpec& s : specs) {
        if (s.name == name || (!s.alias.empty() && s.alias == name)) return &s;
    }
    return nullptr;
}

Error invalid_value(std::string_view value, std::string_view name) {
    return Error::msg("invalid value \"" + std::string(value) + "\" for flag -" + std::string(name) + ": parse error");
}

// strtoll/strtoull with base 0 accept Go's 0x/0 prefixes; the whole text must be a number.
bool parse_signed(std::string_view text, int64_t& out) {
    std::string s(text);
    if (s.empty()) return false;
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 0);
    if (errno != 0 || *end != '\0') return false;
    out = v;
    return true;
}

bool parse_unsigned(std::string_view text, uint64_t& out) {
    std::string s(text);
    if (s.empty() || s[0] == '-' || s[0] == '+') return false;
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(s.c_str(), &end, 0);
    if (errno != 0 || *end != '\0') return false;
    out = v;
    return true;
}

// Checks a value against its flag's kind, with Go's error texts.
Status validate(const FlagSpec& spec, std::string_view name, std::string_view value) {
    switch (spec.kind) {
        case FlagKind::Bool:
            if (!parse_go_bool(value)) {
                return Error::msg("invalid boolean value \"" + std::string(value) + "\" for -" + std::string(name) +
                                  ": parse error");
            }
            return {};
        case FlagKind::Int: {
            int64_t v;
            if (!parse_signed(value, v)) return invalid_value(value, name);
            return {};
        }
        case FlagKind::Uint: {
            uint64_t v;
            if (!parse_unsigned(value, v)) return invalid_value(value, name);
            return {};
        }
        case FlagKind::Duration:
            if (!parse_go_duration(value)) return invalid_value(value, name);
            return {};
        case FlagKind::String:
        case FlagKind::StringList:
            return {};
    }
    return {};
}

// urfave/cli refuses a flag given under both of its names.
Status check_single_form(std::span<const FlagSpec> specs, const std::vector<std::string_view>& used) {
    for (const FlagSpec& s : specs) {
        if (s.alias.empty()) continue;
        bool long_used = false, short_used = false;
        for (std::string_view u : used) {
            long_used |= u == s.name;
            short_used |= u == s.alias;
        }
        if (long_used && short_used) {
            return Error::msg("Cannot use two forms of the same flag: " + std::string(s.alias) + " " +
                              std::string(s.name));
        }
    }
    return {};
}

}  // namespace

Result<bool> parse_go_bool(std::string_view t) {
    if (t == "1" || t == "t" || t == "T" || t == "true" || t == "TRUE" || t == "True") return true;
    if (t == "0" || t == "f" || t == "F" || t == "false" || t == "FALSE" || t == "False") return false;
    return Error::msg("invalid boolean \"" + std::string(t) + "\"");
}

Result<int64_t> parse_go_duration(std::string_view text) {
    Error bad = Error::msg("invalid duration \"" + std::string(text) + "\"");
    std::string_view s = text;
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s == "0") return int64_t{0};
    if (s.empty()) return bad;
    struct Unit {
        std::string_view name;
        double ns;
    };
    static constexpr Unit kUnits[] = {{"ns", 1}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3}, {"ms", 1e6},
                                      {"s", 1e9}, {"m", 60e9},  {"h", 3600e9}};
    double total = 0;
    while (!s.empty()) {
        size_t i = 0;
        while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
        if (i == 0 || (i == 1 && s[0] == '.')) return bad;
        double number = std::strtod(std::string(s.substr(0, i)).c_str(), nullptr);
        s.remove_prefix(i);
        size_t u = 0;
        while (u < s.size() && !((s[u] >= '0' && s[u] <= '9') || s[u] == '.')) ++u;
        std::string_view unit = s.substr(0, u);
        s.remove_prefix(u);
        const Unit* found = nullptr;
        for (const Unit& candidate : kUnits) {
            if (candidate.name == unit) found = &candidate;
        }
        if (found == nullptr) return bad;
        total += number * found->ns;
    }
    if (total > 9.2e18) return bad;
    return static_cast<int64_t>(negative ? -total : total);
}

const FlagSpec* Flags::spec(std::string_view name) const { return find_spec(specs_, name); }

bool Flags::is_set(std::string_view name) const { return values_.find(name) != values_.end(); }

std::string Flags::get_string(std::string_view name) const {
    auto it = values_.find(name);
    if (it != values_.end() && !it->second.empty()) return it->second.back();
    const FlagSpec* s = spec(name);
    return s ? std::string(s->default_value) : std::string();
}

bool Flags::get_bool(std::string_view name) const {
    auto it = values_.find(name);
    if (it == values_.end()) return false;
    auto v = parse_go_bool(it->second.back());
    return v.ok() && *v;
}

std::vector<std::string> Flags::get_list(std::string_view name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
}

int64_t Flags::get_int(std::string_view name) const {
    int64_t v = 0;
    parse_signed(get_string(name), v);
    return v;
}

uint64_t Flags::get_uint(std::string_view name) const {
    uint64_t v = 0;
    parse_unsigned(get_string(name), v);
    return v;
}

int64_t Flags::get_duration(std::string_view name) const {
    auto v = parse_go_duration(get_string(name));
    return v.ok() ? *v : 0;
}

Result<ParsedArgs> parse_flags(std::span<const FlagSpec> specs, std::span<const std::string> argv, ArgOrder order) {
    ParsedArgs out{Flags(specs), {}, false};
    std::vector<std::string_view> used;
    size_t i = 0;
    for (; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        if (arg == "--") {
            ++i;
            break;
        }
        if (arg.size() < 2 || arg[0] != '-') {
            out.args.push_back(arg);
            if (order == ArgOrder::FlagsFirst) {
                ++i;
                break;
            }
            continue;
        }
        std::string_view body(arg);
        body.remove_prefix(body.size() > 1 && body[1] == '-' ? 2 : 1);
        if (body.empty() || body[0] == '-' || body[0] == '=') return Error::msg("bad flag syntax: " + arg);
        std::string_view name = body;
        std::string value;
        bool has_value = false;
        if (size_t eq = body.find('='); eq != std::string_view::npos) {
            name = body.substr(0, eq);
            value = std::string(body.substr(eq + 1));
            has_value = true;
        }
        const FlagSpec* spec = find_spec(specs, name);
        if (spec == nullptr) {
            if (name == "help" || name == "h") {
                out.help = true;
                continue;
            }
            return Error::msg("flag provided but not defined: -" + std::string(name));
        }
        if (spec->kind == FlagKind::Bool) {
            if (!has_value) value = "true";
        } else if (!has_value) {
            if (i + 1 >= argv.size()) return Error::msg("flag needs an argument: -" + std::string(name));
            value = argv[++i];
        }
        BERTH_TRY(validate(*spec, name, value));
        used.push_back(name == spec->name ? spec->name : spec->alias);
        out.flags.add(spec->name, std::move(value));
    }
    for (; i < argv.size(); ++i) out.args.push_back(argv[i]);
    BERTH_TRY(check_single_form(specs, used));
    return out;
}

}  // namespace berth::cli
