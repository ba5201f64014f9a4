#include "berth/util/child_error.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace berth {

bool ChildError::fail(int error, const char* format, ...) noexcept {
    err = error;
    va_list ap;
    va_start(ap, format);
    std::vsnprintf(message, sizeof(message), format, ap);
    va_end(ap);
    return false;
}

const char* go_strerror(int error, char* buf, std::size_t size) noexcept {
    std::snprintf(buf, size, "%s", std::strerror(error));
    // Go's table is glibc's text with a lower-case first letter.
    if (buf[0] >= 'A' && buf[0] <= 'Z') buf[0] = static_cast<char>(buf[0] - 'A' + 'a');
    return buf;
}

}  // namespace berth
