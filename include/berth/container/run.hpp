// `run`: create + start. In the foreground (the default) berth stays as a
// child subreaper, forwards every signal it gets to the container's init,
// proxies the container's pty when it owns one, and exits with the init's
// status (128+signal when it was killed); then deletes the container unless
// --keep.
#pragma once

#include "berth/container/lifecycle.hpp"

namespace berth::container {

struct RunOptions {
    CreateOptions create;
    bool detach = false;
    bool keep = false;
    bool no_subreaper = false;
};

// The exit status for the CLI.
Result<int> run_container(RunOptions options);

}  // namespace berth::container
