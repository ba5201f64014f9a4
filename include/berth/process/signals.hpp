// Signal names as `kill` accepts them: "KILL", "SIGKILL", "9", "RTMIN+3".
#pragma once

#include <string_view>

#include "berth/util/result.hpp"

namespace berth::process {

// Case-insensitive name with or without "SIG", or a number 0..SIGRTMAX (0 only checks).
// Error (runc's): `unknown signal "FOO"`.
Result<int> parse_signal(std::string_view text);

}  // namespace berth::process
