// Lexical path cleaning, for paths that name something below a root: a
// container path inside its rootfs, a cgroup inside each hierarchy.
#pragma once

#include <string>
#include <string_view>

namespace berth {

// Cleans `path` as if it were rooted at "/": collapses "//" and ".", and
// resolves ".." without ever climbing above "/" ("/../../x" is "/x"). The
// result is absolute, without a trailing slash ("/" for an empty path).
std::string clean_path(std::string_view path);

}  // namespace berth
