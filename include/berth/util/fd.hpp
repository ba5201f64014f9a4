// berth::UniqueFd lives in base/ (base/include/base/fd.hpp), shared with oci-spec.
#pragma once

#include "base/fd.hpp"  // IWYU pragma: export
