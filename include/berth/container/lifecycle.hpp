// The container lifecycle as runc's commands expose it. Each function is one
// command's behaviour (the CLI only parses flags); errors carry runc's texts
// because managers match them ("container does not exist", ...).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "berth/container/status.hpp"
#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::container {

struct CreateOptions {
    std::string root;            // --root
    std::string id;
    std::string bundle;          // --bundle ("" = current directory)
    std::string pid_file;        // --pid-file ("" = none)
    std::string console_socket;  // --console-socket ("" = none)
    UniqueFd console_fd;         // run's own receiver of the pty master, used with process.terminal
    std::string pidfd_socket;    // --pidfd-socket ("" = none): gets the init's pidfd (linux/pidfd_socket.hpp)
    bool no_pivot = false;
    bool no_new_keyring = false;
    bool systemd_cgroup = false;
    bool rootless = false;       // --rootless (resolved): no cgroup permission means the `none` manager
    int preserve_fds = 0;
};

struct Created {
    pid_t pid = 0;
    UniqueFd pidfd;
    bool terminal = false;  // process.terminal: the master went to the console socket
};

// `create`: everything but the user's process, which waits on the exec fifo.
// A failure leaves nothing behind.
Result<Created> create_container(CreateOptions& options);

// `start`: releases the init and runs the poststart hooks; a failing one kills
// the init and fails `start` (the container is then stopped, for `delete`).
Status start_container(const std::string& root, const std::string& id);

// `state`: the runtime-spec state, status derived from the live process.
Result<oci::State> container_state(const std::string& root, const std::string& id);

// `kill`: `signal` to the init, or with `all` to every process in the cgroup.
Status kill_container(const std::string& root, const std::string& id, int signal, bool all);

// `delete`: a stopped (or created) container; `force` kills a running one
// first. With `force` a missing container is not an error.
Status delete_container(const std::string& root, const std::string& id, bool force);

// `pause`: freezes every process of a created or running container.
Status pause_container(const std::string& root, const std::string& id);
// `resume`: thaws a paused container.
Status resume_container(const std::string& root, const std::string& id);
// `update`: new resource limits for a container that is not stopped, and
// new Intel RDT schemata (runc's --l3-cache-schema, --mem-bw-schema; "" keeps).
Status update_container(const std::string& root, const std::string& id, const oci::Resources& resources,
                        const std::string& l3_cache_schema, const std::string& mem_bw_schema);
// `ps`: every process in the container's cgroup.
Result<std::vector<pid_t>> container_pids(const std::string& root, const std::string& id);

// `events`: hands `emit` one JSON line per event (runc's shapes). With
// `stats_only` one stats line; otherwise a stats line every `interval_ms` and
// an "oom" line per OOM kill, until the init exits or the cgroup is removed.
using EventSink = std::function<void(const std::string& json_line)>;
Status container_events(const std::string& root, const std::string& id, int64_t interval_ms, bool stats_only,
                        const EventSink& emit);

struct ListEntry {
    oci::State state;
    std::string owner;  // user name of the container directory's owner
};
// `list`: every container under `root`, sorted by id.
Result<std::vector<ListEntry>> list_containers(const std::string& root);

}  // namespace berth::container
