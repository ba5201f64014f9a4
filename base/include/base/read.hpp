// Reading a whole file or stream with read(2): the one copy for oci-spec (its
// config.json) and the runtime (/proc, cgroup files, stdin). Not <fstream>:
// iostreams drag std::locale into the static binary.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace berth {

// Everything `fd` yields until EOF; a failed read says `read <what>: ...`.
inline Result<std::string> read_all(int fd, const std::string& what) {
    std::string text;
    char buf[16384];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::from_errno("read " + what);
        if (n == 0) return text;
        text.append(buf, static_cast<size_t>(n));
    }
}

// The whole file. Errors: `open "/proc/cgroups": No such file or directory`.
inline Result<std::string> read_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Error::from_errno("open \"" + path + "\"");
    return read_all(fd.get(), "\"" + path + "\"");
}

}  // namespace berth
