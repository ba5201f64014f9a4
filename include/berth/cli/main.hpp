#pragma once

namespace berth::cli {
// Parses global flags, dispatches the subcommand, returns the exit status.
int main(int argc, char** argv);
}  // namespace berth::cli
