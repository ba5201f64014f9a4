// Our own /etc/passwd and /etc/group parser: berth is static, so no NSS. The
// container's files are read (mmap'ed) by the child after it entered the
// rootfs; parsing works on views into that text and never allocates.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace berth::process {

struct PasswdEntry {
    std::string_view name;
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::string_view home;
};

struct GroupEntry {
    std::string_view name;
    uint32_t gid = 0;
    std::string_view members;  // comma-separated user names
};

// Lines that are empty, comments or malformed are skipped, as runc's parser does.
std::optional<PasswdEntry> find_user_by_uid(std::string_view passwd, uint32_t uid) noexcept;
std::optional<PasswdEntry> find_user_by_name(std::string_view passwd, std::string_view name) noexcept;
std::optional<GroupEntry> find_group_by_name(std::string_view group, std::string_view name) noexcept;

// Calls `visit(gid)` for every group listing `user` as a member; stops early
// and returns false when `visit` returns false.
template <class Visit>
bool for_each_group_of(std::string_view group, std::string_view user, Visit&& visit) noexcept;

// One parsed line of /etc/group, or nullopt for a line to skip.
std::optional<GroupEntry> parse_group_line(std::string_view line) noexcept;
// True when `user` appears in the comma-separated `members`.
bool lists_member(std::string_view members, std::string_view user) noexcept;

template <class Visit>
bool for_each_group_of(std::string_view group, std::string_view user, Visit&& visit) noexcept {
    while (!group.empty()) {
        size_t end = group.find('\n');
        std::string_view line = group.substr(0, end);
        group = end == std::string_view::npos ? std::string_view() : group.substr(end + 1);
        auto entry = parse_group_line(line);
        if (entry && lists_member(entry->members, user) && !visit(entry->gid)) return false;
    }
    return true;
}

}  // namespace berth::process
