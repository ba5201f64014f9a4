// Running a command (the runtime under test) with captured output and a timeout.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace berth::test {

struct RunOptions {
    // A hang guard, not a timing assertion: a command still running after this
    // is killed (its whole process group) and the result says timed_out.
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};
    std::string stdin_data;               // fed on stdin (default: empty, like /dev/null)
    std::vector<std::string> extra_env;  // "NAME=value" added to the inherited environment
};

struct RunResult {
    std::vector<std::string> argv;
    int exit_code = -1;  // exit status, or 128+signal when killed by a signal
    bool timed_out = false;
    std::string out;  // stdout and stderr as they were when the command exited
    std::string err;
    // The capture files stay open in whatever the command left behind (a
    // detached container keeps writing to create's stdout): re-read them later
    // with read_file().
    std::string out_path;
    std::string err_path;

    // One line for assertion messages: the command, its exit and its output.
    std::string describe() const;
};

// Runs argv[0] (PATH lookup when it has no '/') in a new process group with
// stdout/stderr captured into `capture_prefix`.out/.err.
RunResult run_command(const std::vector<std::string>& argv, const std::string& capture_prefix,
                      const RunOptions& options = {});

std::string read_file(const std::string& path);

}  // namespace berth::test
