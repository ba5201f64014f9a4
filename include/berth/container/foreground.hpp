// Waiting in the foreground for a process berth started (`run`, `exec`):
// signals are forwarded to it, the container's pty (when berth owns the
// master) is relayed to our stdio in raw mode, and the exit status is
// returned as a shell sees it (128+signal when it was killed).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"

namespace berth::container {

// Blocks every signal we forward and reads them from a signalfd, so none is
// lost between starting the process and the wait loop. Restored on destruction.
class SignalForwarding {
public:
    SignalForwarding();
    ~SignalForwarding();
    SignalForwarding(const SignalForwarding&) = delete;
    SignalForwarding& operator=(const SignalForwarding&) = delete;
    int fd() const { return fd_.get(); }

private:
    sigset_t old_{};
    UniqueFd fd_;
};

// The terminal a foreground restore with a terminal relays to, as runc finds
// it: the first of stderr, stdout, stdin that is one, else the controlling
// terminal (/dev/tty). runc refuses such a restore (or run) without one:
// "open /dev/tty: no such device or address".
Result<UniqueFd> host_console();

// Until `pid` exits: forwards signals read from `signals` (a SignalForwarding's
// fd) to it, reaps every exited child (we may be their subreaper), relays
// `master` (-1: no pty) <-> stdin/stdout, with `console` (a terminal) in raw
// mode and its size given to the pty. Returns the exit code of `pid`.
Result<int> wait_foreground(pid_t pid, int signals, int master, int console = 0);

}  // namespace berth::container
