// berth::Result, Error, Status and BERTH_TRY live in base/ (base/include/base/result.hpp), the
// header library that oci-spec shares with berth without depending on it.
#pragma once

#include "base/result.hpp"  // IWYU pragma: export
