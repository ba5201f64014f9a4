// The CRIU flags checkpoint and restore share (runc's names), read into
// container::CriuOptions with the global --criu.
#pragma once

#include "berth/cli/command.hpp"
#include "berth/container/checkpoint.hpp"

namespace berth::cli {

container::CriuOptions criu_options(const Invocation& inv);

}  // namespace berth::cli
