// `kill` and `delete`: the operations that end a container.
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "berth/cgroups/manager.hpp"
#include "berth/container/id.hpp"
#include "berth/container/lifecycle.hpp"
#include "berth/container/record.hpp"
#include "berth/linux/resctrl.hpp"
#include "berth/process/hooks.hpp"
#include "berth/util/trace.hpp"
#include "oci/parser.hpp"

namespace berth::container {
namespace {

// Signals the recorded init through a pidfd, checked to still be the same
// process after opening it, so a recycled pid is never signalled.
Status signal_init(const Record& record, int sig) {
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, record.pid, 0)));
    if (!pidfd || !init_alive(record)) return Error::msg("container not running");
    if (::syscall(SYS_pidfd_send_signal, pidfd.get(), sig, nullptr, 0) != 0) {
        return Error::from_errno("kill container init " + std::to_string(record.pid));
    }
    return {};
}

// A frozen (paused) init only dies of SIGKILL once thawed: thaw after sending
// it, as runc does, or `kill ID KILL` of a paused container never ends it and
// conmon/podman wait for an exit that does not come. Other signals stay
// pending until `resume`.
// Reading the state first spares a thawed cgroup the write.
Status thaw_if_frozen(const cgroups::Manager& cgroup) {
    auto state = cgroup.freezer_state();
    if (state && *state == cgroups::FreezerState::frozen) return cgroup.thaw();
    return {};
}

Status thaw_if_frozen(const Record& record) {
    BERTH_TRY_ASSIGN(auto cgroup, cgroups::load_manager(record.cgroup));
    return thaw_if_frozen(*cgroup);
}

// Whether the container's init is pid 1 of a pid namespace of its own: then the
// kernel ends every other process of the container when it dies of SIGKILL.
bool has_own_pid_namespace(const ContainerDir& dir) {
    auto config = load_saved_config(dir);
    if (!config || !config->linux) return true;  // unknown: signal the init alone
    for (const oci::Namespace& ns : config->linux->namespaces)
        if (ns.type == oci::NamespaceType::pid) return !ns.path;
    return false;
}

// SIGKILL to a container sharing a pid namespace (the host's or another's):
// its init is an ordinary process there, so killing it alone would leave the
// rest running. As runc 1.2+, everything in its cgroup gets it, even when the
// init is already gone; only a gone init without a cgroup is "not running".
Status kill_cgroup(const Record& record) {
    auto cgroup = cgroups::load_manager(record.cgroup);
    Status status = cgroup ? (*cgroup)->signal_all(SIGKILL) : Status(std::move(cgroup).error());
    if (!status && status.error().code() == ENOENT && !init_alive(record)) return Error::msg("container not running");
    return status;
}

// Everything `create` made goes: the init, the cgroup, the state directory.
// An init that will not die leaves all of it in place for another try.
Status destroy(const ContainerDir& dir, const Record& record) {
    auto cgroup = cgroups::load_manager(record.cgroup);
    // A paused init only dies once thawed.
    trace::phase("kill");
    if (cgroup) (void)thaw_if_frozen(**cgroup);
    BERTH_TRY(kill_and_wait(record));
    trace::phase("cgroup_remove");
    Status status = cgroup ? (*cgroup)->destroy() : Status(std::move(cgroup).error());
    Status rdt = linux_setup::remove_rdt_group({record.rdt_group, "", record.rdt_remove});
    if (status && !rdt) status = std::move(rdt);
    process::run_hooks_warn(record.poststop, oci::write_state(to_oci_state(record, ContainerStatus::stopped)), "poststop");
    trace::phase("state_remove");
    BERTH_TRY(remove_container_dir(dir));
    return status;
}

}  // namespace

Status kill_and_wait(const Record& record) {
    // An init that stays (frozen by an ancestor cgroup berth did not make and
    // may not thaw) fails after 10 s, as runc's `delete` does, rather than
    // hanging whoever called us.
    constexpr int kWaitMs = 10000;
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, record.pid, 0)));
    if (!pidfd || !init_alive(record)) return {};
    ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
    pollfd p{pidfd.get(), POLLIN, 0};
    int ready;
    while ((ready = ::poll(&p, 1, kWaitMs)) < 0 && errno == EINTR) {
    }
    if (ready == 0) return Error::msg("container init still running");
    return {};
}

Status kill_container(const std::string& root, const std::string& id, int signal, bool all) {
    BERTH_TRY(validate_id(id));
    BERTH_TRY_ASSIGN(ContainerDir dir, lock_container_dir(root, id));
    BERTH_TRY_ASSIGN(Record record, load_record(dir));
    if (all) {
        BERTH_TRY_ASSIGN(auto cgroup, cgroups::load_manager(record.cgroup));
        return cgroup->signal_all(signal);
    }
    if (signal == SIGKILL && !has_own_pid_namespace(dir)) return kill_cgroup(record);
    BERTH_TRY(signal_init(record, signal));
    if (signal == SIGKILL) BERTH_TRY(thaw_if_frozen(record));
    return {};
}

Status delete_container(const std::string& root, const std::string& id, bool force) {
    trace::phase("delete");
    BERTH_TRY(validate_id(id));
    auto locked = lock_container_dir(root, id);
    if (!locked) {
        // containerd's shim deletes twice: a missing container is fine with --force.
        if (force && locked.error().context() == "container does not exist") return {};
        return std::move(locked).error();
    }
    ContainerDir dir = std::move(locked).value();
    auto loaded = load_record(dir);
    if (!loaded) {
        // A directory without state: a create that died. We hold its lock, so nothing uses it.
        if (force) return remove_container_dir(dir);
        return std::move(loaded).error();
    }
    const Record& record = *loaded;
    if (!force) BERTH_TRY(check_allowed(Operation::delete_, derive_status(dir, record), id));
    return destroy(dir, record);
}

}  // namespace berth::container
