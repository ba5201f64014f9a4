// `create`: plan in the parent, clone the init, record the state.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <optional>

#include "berth/cgroups/manager.hpp"
#include "berth/container/id.hpp"
#include "berth/container/lifecycle.hpp"
#include "berth/container/new_container.hpp"
#include "berth/container/record.hpp"
#include "berth/linux/net_devices.hpp"
#include "berth/linux/path_in_root.hpp"
#include "berth/linux/pidfd_socket.hpp"
#include "berth/linux/resctrl.hpp"
#include "berth/linux/seccomp_notify.hpp"
#include "berth/linux/terminal.hpp"
#include "berth/process/hooks.hpp"
#include "berth/process/launch.hpp"
#include "berth/process/plan.hpp"
#include "berth/process/kill_guard.hpp"
#include "berth/util/file.hpp"
#include "berth/util/path.hpp"
#include "berth/util/scope_guard.hpp"
#include "berth/util/trace.hpp"
#include "oci/parser.hpp"

namespace berth::container {
namespace {

Result<std::string> absolute_bundle(const std::string& bundle) {
    char resolved[PATH_MAX];
    const char* path = bundle.empty() ? "." : bundle.c_str();
    if (!::realpath(path, resolved)) return Error::from_errno("bundle \"" + bundle + "\"");
    return std::string(resolved);
}

// Relative --pid-file and --console-socket paths mean the caller's directory.
std::string absolute_from_cwd(const std::string& path) {
    if (path.empty() || path[0] == '/') return path;
    char cwd[PATH_MAX];
    return ::getcwd(cwd, sizeof(cwd)) ? std::string(cwd) + "/" + path : path;
}

Status make_exec_fifo(const ContainerDir& dir) {
    if (::mkfifoat(dir.fd(), kExecFifo, 0622) != 0) return Error::from_errno("mkfifo \"" + dir.file(kExecFifo) + "\"");
    // World-writable so an init that switched to any user can still open it.
    if (::fchmodat(dir.fd(), kExecFifo, 0622, 0) != 0) return Error::from_errno("chmod \"" + dir.file(kExecFifo) + "\"");
    return {};
}

// Whom the container's cgroup belongs to (runc's rule, for its systemd
// driver): with a new cgroup namespace and a read-write cgroup mount on
// /sys/fs/cgroup the container may manage its own subtree, so the cgroup goes
// to the host uid of its process (the uid itself without a user namespace).
std::optional<uint32_t> cgroup_owner(const oci::Spec& spec) {
    bool new_cgroupns = false, user_ns = false;
    for (const oci::Namespace& ns : spec.linux->namespaces) {
        if (ns.type == oci::NamespaceType::cgroup && !ns.path) new_cgroupns = true;
        if (ns.type == oci::NamespaceType::user) user_ns = true;
    }
    const bool rw_cgroupfs = std::any_of(spec.mounts.begin(), spec.mounts.end(), [](const oci::Mount& m) {
        return m.source == "cgroup" && clean_path(m.destination) == "/sys/fs/cgroup" &&
               std::find(m.options.begin(), m.options.end(), "ro") == m.options.end();
    });
    if (!new_cgroupns || !rw_cgroupfs) return std::nullopt;
    const uint32_t uid = spec.process ? spec.process->user.uid : 0;
    if (!user_ns) return uid;
    for (const oci::IDMapping& m : spec.linux->uidMappings)
        if (uid >= m.containerID && uid - m.containerID < m.size) return m.hostID + (uid - m.containerID);
    return std::nullopt;  // unmapped: refused later, when the process is set up
}

std::string rootfs_of(const oci::Spec& spec, const std::string& bundle) {
    std::string root = spec.root ? spec.root->path : "rootfs";
    return root.starts_with("/") ? root : bundle + "/" + root;
}

// The container's cgroup: made before clone, or after it (make_cgroup below)
// while the init sets up its namespaces and mounts.
struct ContainerCgroup {
    std::unique_ptr<cgroups::Manager> manager;
    std::optional<cgroups::ManagerGuard> guard;  // a failed create removes it
    cgroups::SelfJoin join;
};

process::ParentSteps parent_steps(const oci::Spec& spec, const Record& record, const ContainerCgroup& cgroup,
                                  linux_setup::NetDevicesPlan net_devices, const linux_setup::RdtGroup& rdt) {
    const oci::Linux& linux = *spec.linux;
    process::ParentSteps steps;
    steps.uid_mappings = linux.uidMappings;
    steps.gid_mappings = linux.gidMappings;
    steps.cgroup_fd = cgroup.join.v2_dir.get();
    steps.join_cgroup = [&cgroup](pid_t pid) { return cgroup.manager->place(pid); };
    steps.oom_score_adj = spec.process->oomScoreAdj;
    steps.net_devices = std::move(net_devices);
    for (const std::string* group : {&rdt.group, &rdt.mon})
        if (!group->empty()) steps.resctrl_groups.push_back(*group);
    steps.hook_states = [&record](pid_t pid) {
        return hook_state(record, pid, ContainerStatus::creating) + '\0' +
               hook_state(record, pid, ContainerStatus::created);
    };
    if (spec.hooks) {
        const oci::Hooks& hooks = *spec.hooks;
        steps.runtime_hooks = [&hooks, &record](pid_t pid) -> berth::Status {
            std::string state = hook_state(record, pid, ContainerStatus::creating);
            BERTH_TRY(process::run_hooks(hooks.prestart, state, "prestart"));
            return process::run_hooks(hooks.createRuntime, state, "createRuntime");
        };
    }
    if (linux.seccomp && linux.seccomp->listenerPath) {
        const oci::Seccomp& seccomp = *linux.seccomp;
        steps.seccomp_listener = [&seccomp, &record](pid_t pid, UniqueFd fd) {
            Record r = record;
            r.pid = pid;
            return linux_setup::send_to_seccomp_listener(*seccomp.listenerPath, fd.get(), to_oci_state(r, ContainerStatus::creating),
                                                         seccomp.listenerMetadata.value_or(""));
        };
    }
    return steps;
}

Result<process::PlanOptions> plan_options(CreateOptions& options, const std::string& bundle, bool terminal) {
    process::PlanOptions plan;
    plan.id = options.id;
    plan.bundle = bundle;
    plan.state_root = options.root;
    plan.no_pivot = options.no_pivot;
    plan.no_new_keyring = options.no_new_keyring;
    plan.preserve_fds = options.preserve_fds;
    plan.listen_fds = process::inherited_listen_fds();
    BERTH_TRY(process::check_inherited_fds(plan.listen_fds, plan.preserve_fds));
    if (!options.console_socket.empty()) {
        BERTH_TRY_ASSIGN(plan.console_socket, linux_setup::connect_console_socket(options.console_socket));
    } else if (terminal) {
        plan.console_socket = std::move(options.console_fd);
        plan.relayed_console = true;
    }
    return plan;
}

// Without root only a user namespace gives the init the privileges to set up
// its namespaces and mounts (runc's rootlessEUIDCheck).
Status check_rootless(const oci::Spec& spec) {
    if (::geteuid() == 0) return {};
    for (const auto& ns : spec.linux->namespaces)
        if (ns.type == oci::NamespaceType::user) return {};
    return Error::msg("config.json: linux.namespaces: rootless container requires user namespaces (berth runs as uid " +
                      std::to_string(::geteuid()) + ", not root)");
}

}  // namespace

Result<Bundle> open_bundle(CreateOptions& options) {
    BERTH_TRY(validate_id(options.id));
    Bundle b;
    BERTH_TRY_ASSIGN(b.path, absolute_bundle(options.bundle));
    options.pid_file = absolute_from_cwd(options.pid_file);
    options.console_socket = absolute_from_cwd(options.console_socket);
    options.pidfd_socket = absolute_from_cwd(options.pidfd_socket);
    if (::chdir(b.path.c_str()) != 0) return Error::from_errno("chdir \"" + b.path + "\"");
    const std::string config_path = b.path + "/config.json";
    BERTH_TRY_ASSIGN(b.config_json, read_file(config_path));
    BERTH_TRY_ASSIGN(b.spec, oci::parse_config(b.config_json, config_path));
    if (!b.spec.linux) return Error::msg("config.json: linux: missing");
    BERTH_TRY(check_rootless(b.spec));
    return b;
}

cgroups::CreateRequest cgroup_request(const CreateOptions& options, const oci::Spec& spec) {
    return cgroups::CreateRequest{
        .driver = options.systemd_cgroup ? cgroups::Driver::systemd : cgroups::Driver::cgroupfs,
        .cgroups_path = spec.linux->cgroupsPath ? std::string_view(*spec.linux->cgroupsPath) : std::string_view(),
        .container_id = options.id,
        .resources = spec.linux->resources ? &*spec.linux->resources : nullptr,
        .annotations = &spec.annotations,
        .rootless = options.rootless,
        .owner_uid = cgroup_owner(spec),
    };
}

Record new_record(const CreateOptions& options, const Bundle& bundle) {
    Record record;
    record.id = options.id;
    record.bundle = bundle.path;
    record.rootfs = rootfs_of(bundle.spec, bundle.path);
    record.created = rfc3339_nano_now();
    record.annotations = bundle.spec.annotations;
    if (bundle.spec.hooks) {
        record.poststart = bundle.spec.hooks->poststart;
        record.poststop = bundle.spec.hooks->poststop;
    }
    return record;
}

std::string hook_state(const Record& base, pid_t pid, ContainerStatus status) {
    Record r = base;
    r.pid = pid;
    return oci::write_state(to_oci_state(r, status));
}

Result<Created> create_container(CreateOptions& options) {
    trace::phase("parse");
    BERTH_TRY_ASSIGN(Bundle opened, open_bundle(options));
    const std::string& bundle = opened.path;
    const oci::Spec& spec = opened.spec;
    UniqueFd pidfd_socket;
    if (!options.pidfd_socket.empty()) {
        BERTH_TRY_ASSIGN(pidfd_socket, linux_setup::connect_pidfd_socket(options.pidfd_socket));
    }
    BERTH_TRY_ASSIGN(linux_setup::NetDevicesPlan net_devices, linux_setup::plan_net_devices(*spec.linux));
    std::optional<linux_setup::RdtPlan> rdt_plan;
    if (spec.linux->intelRdt) {
        BERTH_TRY_ASSIGN(rdt_plan, linux_setup::plan_intel_rdt(*spec.linux->intelRdt, options.id, linux_setup::resctrl_root()));
    }
    trace::phase("state_dir");
    BERTH_TRY_ASSIGN(ContainerDir dir, create_container_dir(options.root, options.id));
    ScopeGuard dir_guard([&dir] { (void)remove_container_dir(dir); });  // a failed create leaves no directory
    BERTH_TRY(make_exec_fifo(dir));
    BERTH_TRY(save_config(dir, opened.config_json));

    trace::phase("plan");
    BERTH_TRY_ASSIGN(auto plan_opts, plan_options(options, bundle, spec.process && spec.process->terminal));
    BERTH_TRY_ASSIGN(auto plan, process::plan_child(spec, std::move(plan_opts)));
    plan->exec_fifo.reset(::openat(dir.fd(), kExecFifo, O_PATH | O_CLOEXEC));
    if (!plan->exec_fifo) return Error::from_errno("open \"" + dir.file(kExecFifo) + "\"");
    plan->parent_only_fds.push_back(dir.fd());
    if (pidfd_socket) plan->parent_only_fds.push_back(pidfd_socket.get());

    linux_setup::RdtGroup rdt;
    if (rdt_plan) {
        BERTH_TRY_ASSIGN(rdt, linux_setup::apply_intel_rdt(*rdt_plan));
    }
    ScopeGuard rdt_guard([&rdt] { (void)linux_setup::remove_rdt_group(rdt); });

    Record record = new_record(options, opened);
    record.rdt_group = rdt.group;
    record.rdt_remove = rdt.remove;

    const cgroups::CreateRequest request = cgroup_request(options, spec);
    ContainerCgroup cgroup;
    // Makes the cgroup, then saves the record naming it with no init yet (pid
    // 0), before the init gets `go`: a create killed from here on leaves a
    // record, and `delete --force` kills what is in the cgroup (an init already
    // past its PDEATHSIG window) and removes it.
    auto make_cgroup = [&]() -> Result<std::vector<UniqueFd>> {
        trace::phase("cgroup");
        BERTH_TRY_ASSIGN(cgroup.manager, cgroups::create_manager(request));
        cgroup.guard.emplace(*cgroup.manager);
        BERTH_TRY_ASSIGN(cgroup.join, cgroup.manager->prepare_join());
        record.cgroup = cgroup.manager->saved();
        BERTH_TRY(save_record(dir, record));
        return std::move(cgroup.join.v1_tasks);
    };
    BERTH_TRY_ASSIGN(const bool after_clone, cgroups::can_create_after_clone(request));
    if (!after_clone) {
        BERTH_TRY_ASSIGN(plan->cgroup_tasks, make_cgroup());
        // Only a rootless cgroupfs request ends up without a cgroup, and those
        // are never made after clone.
        plan->rootfs.no_own_cgroup = !cgroup.manager->has_cgroup();
        // clone3 reads the v2 cgroup fd in the parent; in the init it would stay open (close-on-exec
        // only) for the whole `created` state, a host directory reachable from the container.
        if (cgroup.join.v2_dir) plan->parent_only_fds.push_back(cgroup.join.v2_dir.get());
    }
    process::ParentSteps steps = parent_steps(spec, record, cgroup, std::move(net_devices), rdt);
    if (after_clone) steps.make_cgroup = make_cgroup;
    // runc's words around what went wrong once the init was being started.
    steps.child_error_context = "error during container init";
    auto started = process::launch(*plan, steps);
    if (!started) return std::move(started).error().wrap("unable to start container process");
    process::Launched launched = std::move(started).value();
    process::KillGuard init_guard(launched.pid);
    trace::phase("record");
    record.pid = launched.pid;
    auto start_time = process_start_time(launched.pid);
    if (!start_time) return Error::msg("container init exited during create");
    record.pid_start_time = *start_time;
    BERTH_TRY(save_record(dir, record));
    if (pidfd_socket) BERTH_TRY(linux_setup::send_pidfd(pidfd_socket.get(), launched.pid, launched.pidfd.get(), "standard"));
    if (!options.pid_file.empty()) BERTH_TRY(write_pid_file(options.pid_file, launched.pid));

    init_guard.dismiss();
    cgroup.guard->dismiss();
    rdt_guard.dismiss();
    dir_guard.dismiss();
    return Created{launched.pid, std::move(launched.pidfd), plan->terminal};
}

}  // namespace berth::container
