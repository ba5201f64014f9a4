#include "berth/util/mountinfo.hpp"

#include <optional>

#include "berth/util/file.hpp"

namespace berth {

std::string unescape_mountinfo(std::string_view field) {
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            const std::string_view octal = field.substr(i + 1, 3);
            bool digits = true;
            for (char c : octal) digits = digits && c >= '0' && c <= '7';
            if (digits) {
                out += static_cast<char>((octal[0] - '0') * 64 + (octal[1] - '0') * 8 + (octal[2] - '0'));
                i += 3;
                continue;
            }
        }
        out += field[i];
    }
    return out;
}

std::vector<MountInfo> parse_mountinfo(std::string_view text) {
    std::vector<MountInfo> mounts;
    for (std::string_view line : split_lines(text)) {
        const size_t dash = line.find(" - ");
        if (dash == std::string_view::npos) continue;
        const auto left = split_fields(line.substr(0, dash));
        const auto right = split_fields(line.substr(dash + 3));
        if (left.size() < 6 || right.size() < 3) continue;
        mounts.push_back({unescape_mountinfo(left[3]), unescape_mountinfo(left[4]), std::string(right[0]),
                          unescape_mountinfo(right[1]), std::string(right[2])});
    }
    return mounts;
}

Result<std::string_view> first_mountinfo() {
    static std::optional<std::string> text;
    if (!text) {
        BERTH_TRY_ASSIGN(text, read_file("/proc/self/mountinfo"));
    }
    return std::string_view(*text);
}

Result<std::vector<MountInfo>> read_mountinfo() {
    BERTH_TRY_ASSIGN(const std::string text, read_file("/proc/self/mountinfo"));
    return parse_mountinfo(text);
}

}  // namespace berth
