// ChildError: how code running in the cloned child reports a failure.
//
// The child never throws, never unwinds into the parent's stack and allocates
// as little as possible, so an error is a fixed-size message written into a
// caller-provided buffer and sent to the parent over the socketpair as one
// datagram. The parent turns it into a berth::Error. It is util's, not process's:
// linux's setup steps, which run in the child, report through it too.
#pragma once

#include <cstddef>

namespace berth {

struct ChildError {
    int err = 0;            // errno, 0 when not a system error
    char message[480] = {};  // NUL-terminated context, e.g. `mount "proc" on "/proc"`

    // Records a failure; always returns false so callers can `return err.fail(...)`.
    // `format` is printf-style; formatting uses vsnprintf only (async-signal-safe enough
    // for a freshly cloned, single-threaded child).
    bool fail(int error, const char* format, ...) noexcept __attribute__((format(printf, 3, 4)));
};

// strerror(error) without strerror: glibc's may allocate (and localises) for
// an unknown value; this is the static text, or "unknown error".
const char* errno_text(int error) noexcept;

// errno_text(error) as Go prints it (and so runc): "no such file or directory",
// into `buf`. For messages managers compare with runc's. Returns buf.
const char* go_strerror(int error, char* buf, std::size_t size) noexcept;

// A signal's description ("Bad system call") without strsignal, which
// allocates for values it has no text for: "signal N" into `buf` then.
const char* signal_text(int sig, char* buf, std::size_t size) noexcept;

static_assert(sizeof(ChildError) <= 512, "ChildError must fit one small datagram");

}  // namespace berth
