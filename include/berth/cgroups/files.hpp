// Reading and writing cgroup control files. Errors name the file and, for
// writes, the value: `write "/sys/fs/cgroup/pids/x/pids.max" "-5": Invalid argument`.
#pragma once

#include <string>
#include <string_view>

#include "berth/util/file.hpp"
#include "berth/util/result.hpp"

namespace berth::cgroups {

using berth::read_file;
// The file's content without the trailing newline.
Result<std::string> read_line(const std::string& path);
Result<int64_t> read_int(const std::string& path);
// One write(2) of `value` (the kernel parses each write as a whole).
using berth::write_file;

}  // namespace berth::cgroups
