// Finding the executable the way runc does (Go's exec.LookPath), inside the
// container after it entered its rootfs, with runc's error texts:
//   exec: "foo": executable file not found in $PATH
//   exec: "/bin/foo": stat /bin/foo: no such file or directory
#pragma once

#include <cstddef>

#include "berth/util/child_error.hpp"

namespace berth::process {

// `name` with a '/' is checked as is; otherwise every entry of `path_env`
// (the value of the container's PATH, may be null) is tried, an empty entry
// meaning ".". The result goes to `out`.
bool resolve_executable(const char* name, const char* path_env, char* out, size_t out_size, ChildError& err) noexcept;

}  // namespace berth::process
