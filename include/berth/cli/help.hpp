// `--help` texts generated from the command tables, in urfave/cli's layout
// (NAME, USAGE, DESCRIPTION, OPTIONS) so tools that scrape runc's help work.
#pragma once

#include <string>

#include "berth/cli/command.hpp"

namespace berth::cli {

std::string command_help(const Command& command);
std::string app_help();
// `berth --version`: version, commit, spec and libseccomp lines.
std::string version_text();

}  // namespace berth::cli
