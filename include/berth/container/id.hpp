// Container ids, validated as runc validates them: they name a directory under
// the state root, so they must be one harmless path component.
#pragma once

#include <string_view>

#include "berth/util/result.hpp"

namespace berth::container {

// Accepts [A-Za-z0-9_+,.-]{1,255} except "." and ".." (runc's `^[\w+-\.]+$` plus
// its clean-path check, and NAME_MAX). Error: `invalid container ID format`.
Status validate_id(std::string_view id);

}  // namespace berth::container
