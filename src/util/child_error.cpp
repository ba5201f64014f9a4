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

const char* errno_text(int error) noexcept {
    const char* text = ::strerrordesc_np(error);
    return text ? text : "unknown error";
}

const char* go_strerror(int error, char* buf, std::size_t size) noexcept {
    std::snprintf(buf, size, "%s", errno_text(error));
    // Go's table is glibc's text with a lower-case first letter.
    if (buf[0] >= 'A' && buf[0] <= 'Z') buf[0] = static_cast<char>(buf[0] - 'A' + 'a');
    return buf;
}

const char* signal_text(int sig, char* buf, std::size_t size) noexcept {
    if (const char* text = ::sigdescr_np(sig)) return text;
    std::snprintf(buf, size, "signal %d", sig);
    return buf;
}

}  // namespace berth
