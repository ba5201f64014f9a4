#include "berth/util/file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "berth/util/fd.hpp"

namespace berth {

namespace {

std::string write_context(const std::string& path, std::string_view value) {
    return "write \"" + path + "\" \"" + std::string(value) + "\"";
}

}  // namespace

Status write_file(const std::string& path, std::string_view value) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return Error::from_errno(write_context(path, value));
    return write_to(fd.get(), path, value);
}

Status write_to(int fd, const std::string& path, std::string_view value) {
    ssize_t n;
    do {
        n = ::write(fd, value.data(), value.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Error::from_errno(write_context(path, value));
    if (static_cast<size_t>(n) != value.size()) return Error::msg(write_context(path, value) + ": short write");
    return {};
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const size_t end = text.find('\n');
        lines.push_back(text.substr(0, end));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

std::vector<std::string_view> split_fields(std::string_view line) {
    constexpr std::string_view kBlank = " \t";
    std::vector<std::string_view> fields;
    for (size_t start = line.find_first_not_of(kBlank); start != std::string_view::npos;
         start = line.find_first_not_of(kBlank, start)) {
        const size_t end = line.find_first_of(kBlank, start);
        fields.push_back(line.substr(start, end - start));
        if (end == std::string_view::npos) break;
        start = end;
    }
    return fields;
}

std::string_view proc_stat_field(std::string_view stat, int n) {
    const size_t paren = stat.rfind(')');
    if (paren == std::string_view::npos || n < 3) return {};
    std::string_view rest = stat.substr(paren + 1);
    for (int field = 3;; ++field) {
        const size_t start = rest.find_first_not_of(' ');
        if (start == std::string_view::npos) return {};
        const size_t end = rest.find_first_of(" \n", start);
        if (field == n) return rest.substr(start, end - start);
        if (end == std::string_view::npos) return {};
        rest = rest.substr(end);
    }
}

}  // namespace berth
