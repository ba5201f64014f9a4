// `create`: plan in the parent, clone the init, record the state.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "berth/cgroups/manager.hpp"
#include "berth/container/id.hpp"
#include "berth/container/lifecycle.hpp"
#include "berth/container/new_container.hpp"
#include "berth/container/record.hpp"
#include "berth/linux/net_devices.hpp"
#include "berth/linux/resctrl.hpp"
#include "berth/linux/seccomp_notify.hpp"
#include "berth/linux/terminal.hpp"
#include "berth/process/hooks.hpp"
#include "berth/process/launch.hpp"
#include "berth/process/plan.hpp"
#include "berth/process/kill_guard.hpp"
#include "berth/util/file.hpp"
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

std::string rootfs_of(const oci::Spec& spec, const std::string& bundle) {
    std::string root = spec.root ? spec.root->path : "rootfs";
    return root.starts_with("/") ? root : bundle + "/" + root;
}

process::ParentSteps parent_steps(const oci::Spec& spec, const Record& record, const cgroups::Manager& cgroup,
                                  const UniqueFd& v2_cgroup, linux_setup::NetDevicesPlan net_devices,
                                  const linux_setup::RdtGroup& rdt) {
    const oci::Linux& linux = *spec.linux;
    process::ParentSteps steps;
    steps.uid_mappings = linux.uidMappings;
    steps.gid_mappings = linux.gidMappings;
    steps.cgroup_fd = v2_cgroup.get();
    steps.join_cgroup = [&cgroup](pid_t pid) { return cgroup.place(pid); };
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
    return Error::msg("linux.namespaces: rootless container requires user namespaces (berth runs as uid " +
                      std::to_string(::geteuid()) + ", not root)");
}

}  // namespace

Result<Bundle> open_bundle(CreateOptions& options) {
    BERTH_TRY(validate_id(options.id));
    Bundle b;
    BERTH_TRY_ASSIGN(b.path, absolute_bundle(options.bundle));
    options.pid_file = absolute_from_cwd(options.pid_file);
    options.console_socket = absolute_from_cwd(options.console_socket);
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
    };
}

Record new_record(const CreateOptions& options, const Bundle& bundle, const cgroups::Manager& cgroup) {
    Record record;
    record.id = options.id;
    record.bundle = bundle.path;
    record.rootfs = rootfs_of(bundle.spec, bundle.path);
    record.created = rfc3339_nano_now();
    record.annotations = bundle.spec.annotations;
    record.cgroup = cgroup.saved();
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
    BERTH_TRY_ASSIGN(linux_setup::NetDevicesPlan net_devices, linux_setup::plan_net_devices(*spec.linux));
    std::optional<linux_setup::RdtPlan> rdt_plan;
    if (spec.linux->intelRdt) {
        BERTH_TRY_ASSIGN(rdt_plan, linux_setup::plan_intel_rdt(*spec.linux->intelRdt, options.id, linux_setup::resctrl_root()));
    }
    trace::phase("state_dir");
    BERTH_TRY_ASSIGN(ContainerDir dir, create_container_dir(options.root, options.id));
    DirGuard dir_guard(dir);
    BERTH_TRY(make_exec_fifo(dir));
    BERTH_TRY(save_config(dir, opened.config_json));

    trace::phase("plan");
    BERTH_TRY_ASSIGN(auto plan_opts, plan_options(options, bundle, spec.process && spec.process->terminal));
    BERTH_TRY_ASSIGN(auto plan, process::plan_child(spec, std::move(plan_opts)));
    plan->exec_fifo.reset(::openat(dir.fd(), kExecFifo, O_PATH | O_CLOEXEC));
    if (!plan->exec_fifo) return Error::from_errno("open \"" + dir.file(kExecFifo) + "\"");
    plan->parent_only_fds.push_back(dir.fd());

    trace::phase("cgroup");
    BERTH_TRY_ASSIGN(std::unique_ptr<cgroups::Manager> cgroup, cgroups::create_manager(cgroup_request(options, spec)));
    cgroups::ManagerGuard cgroup_guard(*cgroup);
    BERTH_TRY_ASSIGN(cgroups::SelfJoin join, cgroup->prepare_join());
    plan->cgroup_tasks = std::move(join.v1_tasks);

    linux_setup::RdtGroup rdt;
    if (rdt_plan) {
        BERTH_TRY_ASSIGN(rdt, linux_setup::apply_intel_rdt(*rdt_plan));
    }
    linux_setup::RdtGroupGuard rdt_guard(rdt);

    Record record = new_record(options, opened, *cgroup);
    record.rdt_group = rdt.group;
    record.rdt_remove = rdt.remove;
    // Saved before the init exists (pid 0), so a create killed from here on
    // leaves a record naming the cgroup: `delete --force` then kills what is in
    // it (an init already past its PDEATHSIG window) and removes it.
    BERTH_TRY(save_record(dir, record));
    BERTH_TRY_ASSIGN(process::Launched launched, process::launch(*plan, parent_steps(spec, record, *cgroup, join.v2_dir, std::move(net_devices), rdt)));
    process::KillGuard init_guard(launched.pid);
    trace::phase("record");
    record.pid = launched.pid;
    auto start_time = process_start_time(launched.pid);
    if (!start_time) return Error::msg("container init exited during create");
    record.pid_start_time = *start_time;
    BERTH_TRY(save_record(dir, record));
    if (!options.pid_file.empty()) BERTH_TRY(write_pid_file(options.pid_file, launched.pid));

    init_guard.dismiss();
    cgroup_guard.dismiss();
    rdt_guard.dismiss();
    dir_guard.dismiss();
    return Created{launched.pid, std::move(launched.pidfd), plan->terminal};
}

}  // namespace berth::container
