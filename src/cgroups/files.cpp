#include "berth/cgroups/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "berth/util/fd.hpp"

namespace berth::cgroups {

Result<std::string> read_line(const std::string& path) {
    BERTH_TRY_ASSIGN(std::string s, read_file(path));
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

Result<int64_t> read_int(const std::string& path) {
    BERTH_TRY_ASSIGN(std::string s, read_line(path));
    if (s == "max") return INT64_MAX;
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || errno != 0 || *end != '\0')
        return Error::msg("read \"" + path + "\": not an integer: \"" + s + "\"");
    return static_cast<int64_t>(v);
}

}  // namespace berth::cgroups
