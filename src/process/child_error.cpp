#include "berth/process/child_error.hpp"

#include <cstdarg>
#include <cstdio>

namespace berth {

bool ChildError::fail(int error, const char* format, ...) noexcept {
    err = error;
    va_list ap;
    va_start(ap, format);
    std::vsnprintf(message, sizeof(message), format, ap);
    va_end(ap);
    return false;
}

}  // namespace berth
