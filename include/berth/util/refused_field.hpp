// A config field a planner refuses, by JSON path and why. Planners export
// their rules in this form so that `create` (the first one is its error) and
// `check` (it lists them all) can never disagree.
#pragma once

#include <string>

#include "berth/util/result.hpp"

namespace berth {

struct RefusedField {
    std::string path;  // "process.commandLine"
    std::string why;

    // How create reports it: `config.json: <path>: <why>`.
    Error error() const { return Error::msg("config.json: " + path + ": " + why); }
};

}  // namespace berth
