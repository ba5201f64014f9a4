// `checkpoint` and `restore` with CRIU (through its RPC, util/criu_rpc.hpp),
// runc's flags and semantics:
//
//   checkpoint  dumps the container's process tree into --image-path (default
//               ./checkpoint) and, unless --leave-running or --pre-dump,
//               deletes the container as `delete --force` does;
//   restore     creates a new container record from --bundle, as `create`
//               does, in the cgroup its manager makes (cgroupfs or systemd;
//               CRIU itself is placed there first and restores into it), runs
//               the prestart and createRuntime hooks when CRIU has set up the
//               namespaces, and leaves the container running; in the
//               foreground (no --detach) it waits for the init and deletes
//               the container, as `run` does.
//
// Mounts CRIU cannot dump from inside are declared external: every bind
// mount and file masked with /dev/null (and on restore mapped back to the
// bundle's sources), and a network namespace the container joined.
// stdio that was a pipe is handed to the restored process from berth's own
// (descriptors.json in the images, as runc writes it); a terminal's master
// goes to --console-socket. CRIU's configuration file: the annotation
// org.criu.config ("" for none), else /etc/criu/berth.conf when it exists.
#pragma once

#include <string>
#include <vector>

#include "berth/container/lifecycle.hpp"
#include "berth/util/result.hpp"

namespace berth::container {

// What checkpoint and restore share.
struct CriuOptions {
    std::string criu = "criu";    // --criu: a path or a name in $PATH
    std::string image_path;       // "" = ./checkpoint
    std::string work_path;        // "" = image_path
    bool tcp_established = false;
    bool ext_unix_sk = false;
    bool shell_job = false;
    bool file_locks = false;
    bool lazy_pages = false;
    bool auto_dedup = false;
    std::string manage_cgroups_mode;       // soft, full, strict, ignore; "" = CRIU's default
    std::vector<std::string> empty_ns;     // only "network"
};

struct CheckpointOptions {
    CriuOptions criu;
    std::string parent_path;      // relative to image_path
    bool leave_running = false;
    bool pre_dump = false;
    bool tcp_skip_in_flight = false;
    bool link_remap = false;
    int status_fd = -1;
    std::string page_server;      // ADDRESS:PORT
};

Status checkpoint_container(const std::string& root, const std::string& id, const CheckpointOptions& options);

struct RestoreOptions {
    CreateOptions create;
    CriuOptions criu;
    bool detach = false;
    bool no_subreaper = false;
    std::string lsm_profile;        // TYPE:NAME
    std::string lsm_mount_context;
};

// The exit status for the CLI: 0 detached, else the init's as `run` gives it.
Result<int> restore_container(RestoreOptions options);

}  // namespace berth::container
