#include "berth/util/id_list.hpp"

#include <charconv>

namespace berth {
namespace {

bool parse_uint(std::string_view text, unsigned& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

std::optional<std::vector<unsigned>> parse_id_list(std::string_view list, unsigned limit) {
    std::vector<unsigned> ids;
    std::string_view rest = list;
    while (!rest.empty()) {
        const size_t comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        const size_t dash = item.find('-');
        unsigned lo = 0, hi = 0;
        if (!parse_uint(item.substr(0, dash), lo)) return std::nullopt;
        hi = lo;
        if (dash != std::string_view::npos && !parse_uint(item.substr(dash + 1), hi)) return std::nullopt;
        if (hi < lo || hi >= limit) return std::nullopt;
        for (unsigned id = lo; id <= hi; ++id) ids.push_back(id);
    }
    return ids;
}

}  // namespace berth
