// The runtime-spec features document `berth features` prints. CRI-O and
// others read it to decide what to ask of berth, so it lists only what a
// container started by berth really gets.
#pragma once

#include "oci/spec.hpp"

namespace berth::container {

oci::Features runtime_features();

}  // namespace berth::container
