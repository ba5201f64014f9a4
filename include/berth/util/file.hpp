// Reading small text files (/proc, /etc/passwd, mountinfo) and splitting them,
// with read(2) and string_view instead of <fstream>/<sstream>: iostreams drag
// std::locale and its facets (~700 KB) into the static binary (issue 2: ≤ 2 MiB).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "berth/util/result.hpp"

namespace berth {

// The whole file. Errors: `open "/proc/cgroups": No such file or directory`.
Result<std::string> read_file(const std::string& path);

// The lines of `text` without their '\n' (a last line without '\n' counts).
std::vector<std::string_view> split_lines(std::string_view text);

// The fields of `line` separated by runs of spaces or tabs (as `>>` reads them).
std::vector<std::string_view> split_fields(std::string_view line);

}  // namespace berth
