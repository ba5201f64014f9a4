#include "berth/container/id.hpp"

#include <climits>

namespace berth::container {
namespace {

// runc's class `[\w+-\.]`: word characters and the range '+'..'.' (+ , - .).
bool allowed(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           (c >= '+' && c <= '.');
}

}  // namespace

Status validate_id(std::string_view id) {
    bool ok = !id.empty() && id.size() <= NAME_MAX && id != "." && id != "..";
    for (char c : id) ok = ok && allowed(c);
    if (!ok) return Error::msg("invalid container ID format");
    return {};
}

}  // namespace berth::container
