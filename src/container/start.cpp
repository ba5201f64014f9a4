// `start`: opening the exec fifo releases the init (see process/child.cpp).
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "berth/container/id.hpp"
#include "berth/container/lifecycle.hpp"
#include "berth/container/record.hpp"
#include "berth/process/hooks.hpp"
#include "berth/util/trace.hpp"
#include "oci/parser.hpp"

namespace berth::container {
namespace {

// Waits until the init has opened the fifo and either exec'd (its end closes
// with nothing written) or failed (it writes the error, then exits).
Status await_exec(int fifo, int pidfd, const std::string& path) {
    std::string message;
    for (;;) {
        pollfd p[2] = {{fifo, POLLIN, 0}, {pidfd, POLLIN, 0}};
        if (::poll(p, pidfd >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR) continue;
            return Error::from_errno("poll \"" + path + "\"");
        }
        if (p[0].revents == 0 && p[1].revents != 0) return Error::msg("container init exited before it was started");
        char buf[1024];
        ssize_t n;
        while ((n = ::read(fifo, buf, sizeof(buf))) > 0) message.append(buf, static_cast<size_t>(n));
        if (n < 0 && errno == EAGAIN) continue;
        if (n < 0 && errno != EINTR) return Error::from_errno("read \"" + path + "\"");
        if (n == 0) break;
    }
    if (!message.empty()) return Error::msg(message);
    return {};
}

}  // namespace

Status start_container(const std::string& root, const std::string& id) {
    trace::phase("start");
    BERTH_TRY(validate_id(id));
    BERTH_TRY_ASSIGN(ContainerDir dir, lock_container_dir(root, id));
    BERTH_TRY_ASSIGN(Record record, load_record(dir));
    BERTH_TRY_ASSIGN(ContainerStatus status, derive_status(dir, record));
    BERTH_TRY(check_allowed(Operation::start, status, id));

    // The pidfd must name the recorded init, not a recycled pid. Check before
    // opening the fifo: that releases the init, which may exec and exit at once.
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, record.pid, 0)));
    if (pidfd && !init_alive(record)) return Error::msg("cannot start a container that has stopped");
    std::string path = dir.file(kExecFifo);
    trace::phase("await_exec");
    UniqueFd fifo(::openat(dir.fd(), kExecFifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fifo) return Error::from_errno("open \"" + path + "\"");
    Status exec_status = await_exec(fifo.get(), pidfd.get(), path);
    ::unlinkat(dir.fd(), kExecFifo, 0);
    BERTH_TRY(std::move(exec_status));
    trace::phase("poststart");
    // runtime-spec 1.3: a failing poststart hook is an error that stops the container (runc 1.4+ too: it
    // kills the init and `start` fails; `run` then deletes it, and a manager's `delete` does after `start`).
    Status hooks = process::run_hooks(record.poststart, oci::write_state(to_oci_state(record, ContainerStatus::running)), "poststart");
    if (hooks) return {};
    if (Status killed = kill_and_wait(record); !killed)
        return Error::msg(hooks.error().what() + "; stopping the container: " + killed.error().what());
    return hooks;
}

}  // namespace berth::container
