#include "berth/container/run.hpp"

#include "berth/container/foreground.hpp"

#include <sys/prctl.h>
#include <sys/socket.h>

#include <cerrno>

#include "berth/process/plan.hpp"
#include "berth/util/fd_passing.hpp"
#include "berth/util/log.hpp"
#include "berth/util/trace.hpp"

namespace berth::container {
namespace {

// run's own delete: the container's outcome is what run reports, so a failed
// cleanup is said, not returned (and never dropped).
void warn_if_failed(Status deleted) {
    if (!deleted) log::warn(deleted.error().what());
}

}  // namespace

Result<int> run_container(RunOptions options) {
    const std::string& root = options.create.root;
    const std::string& id = options.create.id;
    if (options.detach) {
        BERTH_TRY(create_container(options.create));
        Status started = start_container(root, id);
        if (!started) warn_if_failed(delete_container(root, id, true));
        BERTH_TRY(std::move(started));
        return 0;
    }
    // In the foreground berth relays the terminal itself: as runc's rule has it,
    // a console socket is for a detached process only (whatever the terminal).
    BERTH_TRY(process::check_console_socket(true, false, !options.create.console_socket.empty()));
    if (!options.no_subreaper && ::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        return Error::from_errno("set child subreaper");
    }
    SignalForwarding signals;
    // With a terminal and no --console-socket, berth receives the pty master itself.
    UniqueFd master_end;
    if (options.create.console_socket.empty()) {
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return Error::from_errno("socketpair");
        master_end.reset(pair[0]);
        options.create.console_fd.reset(pair[1]);
    }
    BERTH_TRY_ASSIGN(Created created, create_container(options.create));
    UniqueFd master;
    if (created.terminal && master_end) {
        BERTH_TRY_ASSIGN(master, receive_fd(master_end.get(), "the pty master"));
    }
    Status started = start_container(root, id);
    trace::phase("wait");
    Result<int> code = started ? wait_foreground(created.pid, signals.fd(), master.get()) : Result<int>(std::move(started).error());
    if (!options.keep) warn_if_failed(delete_container(root, id, true));
    return code;
}

}  // namespace berth::container
