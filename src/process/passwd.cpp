#include "berth/process/passwd.hpp"

#include <charconv>

namespace berth::process {
namespace {

// Splits `line` at ':' into up to `N` fields (missing trailing ones stay
// empty, as runc's parser allows); returns how many were present. Extra
// fields are folded into the last one, which callers ignore.
template <size_t N>
size_t split_fields(std::string_view line, std::string_view (&fields)[N]) noexcept {
    size_t count = 0;
    for (; count < N && line.data() != nullptr; ++count) {
        size_t colon = count + 1 < N ? line.find(':') : std::string_view::npos;
        fields[count] = line.substr(0, colon);
        line = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    }
    return count;
}

bool parse_id(std::string_view text, uint32_t& out) noexcept {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool skip_line(std::string_view line) noexcept { return line.empty() || line.front() == '#'; }

std::optional<PasswdEntry> parse_passwd_line(std::string_view line) noexcept {
    if (skip_line(line)) return std::nullopt;
    std::string_view f[7];
    if (split_fields(line, f) < 4) return std::nullopt;  // name:password:uid:gid at least
    PasswdEntry entry{.name = f[0], .home = f[5]};
    if (!parse_id(f[2], entry.uid) || !parse_id(f[3], entry.gid)) return std::nullopt;
    return entry;
}

template <class Parse, class Match>
auto find_line(std::string_view text, Parse parse, Match match) noexcept -> decltype(parse(text)) {
    while (!text.empty()) {
        size_t end = text.find('\n');
        auto entry = parse(text.substr(0, end));
        if (entry && match(*entry)) return entry;
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    }
    return std::nullopt;
}

}  // namespace

std::optional<GroupEntry> parse_group_line(std::string_view line) noexcept {
    if (skip_line(line)) return std::nullopt;
    std::string_view f[4];
    if (split_fields(line, f) < 3) return std::nullopt;  // name:password:gid at least
    GroupEntry entry{.name = f[0], .members = f[3]};
    if (!parse_id(f[2], entry.gid)) return std::nullopt;
    return entry;
}

bool lists_member(std::string_view members, std::string_view user) noexcept {
    while (!members.empty()) {
        size_t comma = members.find(',');
        if (members.substr(0, comma) == user) return true;
        members = comma == std::string_view::npos ? std::string_view() : members.substr(comma + 1);
    }
    return false;
}

std::optional<PasswdEntry> find_user_by_uid(std::string_view passwd, uint32_t uid) noexcept {
    return find_line(passwd, parse_passwd_line, [uid](const PasswdEntry& e) { return e.uid == uid; });
}

std::optional<PasswdEntry> find_user_by_name(std::string_view passwd, std::string_view name) noexcept {
    return find_line(passwd, parse_passwd_line, [name](const PasswdEntry& e) { return e.name == name; });
}

std::optional<GroupEntry> find_group_by_name(std::string_view group, std::string_view name) noexcept {
    return find_line(group, parse_group_line, [name](const GroupEntry& e) { return e.name == name; });
}

}  // namespace berth::process
