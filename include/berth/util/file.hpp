// Reading small text files (/proc, /etc/passwd, mountinfo) and splitting them,
// with read(2) and string_view instead of <fstream>/<sstream>: iostreams drag
// std::locale and its facets (~700 KB) into the static binary (issue 2: ≤ 2 MiB).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/read.hpp"  // IWYU pragma: export (read_file, read_all)
#include "berth/util/result.hpp"

namespace berth {

// One write(2) of `value` to an existing file, as kernel control files (cgroup,
// resctrl) parse each write as a whole. Errors name the file and the value:
// `write "/sys/fs/cgroup/pids/x/pids.max" "-5": Invalid argument`.
Status write_file(const std::string& path, std::string_view value);
// The same write to `fd`, open on `path` (named in errors): several values to
// one control file with a single open (the v1 device rules, one per write).
Status write_to(int fd, const std::string& path, std::string_view value);

// The lines of `text` without their '\n' (a last line without '\n' counts).
std::vector<std::string_view> split_lines(std::string_view text);

// The fields of `line` separated by runs of spaces or tabs (as `>>` reads them).
std::vector<std::string_view> split_fields(std::string_view line);

// Field `n` (n >= 3, numbered as proc(5) numbers them) of a /proc/PID/stat
// line; empty when the line has fewer. The command name (field 2) may hold
// spaces and parentheses, so fields are counted from the last ')'.
std::string_view proc_stat_field(std::string_view stat, int n);

}  // namespace berth
