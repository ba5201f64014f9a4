#include "berth/container/status.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>

#include "berth/cgroups/manager.hpp"
#include "berth/util/fd.hpp"
#include "berth/util/file.hpp"

namespace berth::container {

const char* to_string(ContainerStatus status) {
    switch (status) {
        case ContainerStatus::creating: return "creating";
        case ContainerStatus::created: return "created";
        case ContainerStatus::running: return "running";
        case ContainerStatus::paused: return "paused";
        case ContainerStatus::stopped: return "stopped";
    }
    return "unknown";
}

std::optional<uint64_t> process_start_time(pid_t pid) {
    if (pid <= 0) return std::nullopt;
    char path[32];
    std::snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    char buf[1024];
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n <= 0) return std::nullopt;
    const std::string_view stat(buf, static_cast<size_t>(n));
    const std::string_view state = proc_stat_field(stat, 3), start_field = proc_stat_field(stat, 22);
    uint64_t start = 0;
    if (state.empty() || state == "Z" || state == "X") return std::nullopt;
    if (std::from_chars(start_field.data(), start_field.data() + start_field.size(), start).ec != std::errc())
        return std::nullopt;
    return start;
}

bool init_alive(const Record& record) {
    auto start = process_start_time(record.pid);
    return start && *start == record.pid_start_time;
}

Result<ContainerStatus> derive_status(const ContainerDir& dir, const Record& record) {
    if (!init_alive(record)) return ContainerStatus::stopped;
    struct stat st {};
    // The exec fifo exists from create until start opens it.
    if (::fstatat(dir.fd(), kExecFifo, &st, AT_SYMLINK_NOFOLLOW) == 0) return ContainerStatus::created;
    auto freezer = [&]() -> Result<cgroups::FreezerState> {
        BERTH_TRY_ASSIGN(auto cgroup, cgroups::load_manager(record.cgroup));
        return cgroup->freezer_state();
    }();
    if (freezer) return *freezer == cgroups::FreezerState::frozen ? ContainerStatus::paused : ContainerStatus::running;
    // An init that exited meanwhile may have taken its cgroup with it (a
    // delete): stopped, not an error. Otherwise paused or running is unknown.
    if (!init_alive(record)) return ContainerStatus::stopped;
    return std::move(freezer).error().wrap("container " + record.id + ": read the freezer state");
}

namespace {

constexpr int bit(ContainerStatus s) { return 1 << static_cast<int>(s); }
constexpr int kLive = bit(ContainerStatus::created) | bit(ContainerStatus::running) | bit(ContainerStatus::paused);

struct Rule {
    Operation op;
    int allowed;  // bits of the statuses the operation is allowed in
};

constexpr Rule kRules[] = {
    {Operation::start, bit(ContainerStatus::created)},
    {Operation::pause, bit(ContainerStatus::created) | bit(ContainerStatus::running)},
    {Operation::resume, bit(ContainerStatus::paused)},
    {Operation::update, kLive},
    {Operation::exec, kLive},
    {Operation::exec_strict, bit(ContainerStatus::created) | bit(ContainerStatus::running)},
    {Operation::events, kLive},
    {Operation::delete_, bit(ContainerStatus::created) | bit(ContainerStatus::stopped)},
    {Operation::checkpoint, bit(ContainerStatus::running) | bit(ContainerStatus::paused)},
};

Error refusal(Operation op, ContainerStatus status, const std::string& id) {
    switch (op) {
        case Operation::start:
            if (status == ContainerStatus::stopped) return Error::msg("cannot start a container that has stopped");
            if (status == ContainerStatus::running) return Error::msg("cannot start an already running container");
            return Error::msg(std::string("cannot start a container in the ") + to_string(status) + " state");
        case Operation::pause:
        case Operation::update: return Error::msg("container not running");
        case Operation::resume: return Error::msg("container not paused");
        case Operation::exec:
        case Operation::exec_strict:
            if (status == ContainerStatus::paused)
                return Error::msg("cannot exec in a paused container (use --ignore-paused to override)");
            return Error::msg("cannot exec in a stopped container");
        case Operation::events: return Error::msg("container with id " + id + " is not running");
        case Operation::delete_:
            return Error::msg("cannot delete container " + id + " that is not stopped: " + to_string(status));
        case Operation::checkpoint:
            return Error::msg(std::string("Container cannot be checkpointed in ") + to_string(status) + " state");
    }
    return Error::msg("unknown operation");
}

}  // namespace

Status check_allowed(Operation op, ContainerStatus status, const std::string& id) {
    for (const Rule& rule : kRules)
        if (rule.op == op) return (rule.allowed & bit(status)) ? Status{} : Status(refusal(op, status, id));
    return refusal(op, status, id);
}

oci::State to_oci_state(const Record& record, ContainerStatus status) {
    return oci::State{
        .ociVersion = oci::kSpecVersion,
        .id = record.id,
        .status = to_string(status),
        .pid = status == ContainerStatus::stopped ? 0 : record.pid,
        .bundle = record.bundle,
        .rootfs = record.rootfs,
        .created = record.created,
        .owner = record.owner,
        .annotations = record.annotations,
    };
}

}  // namespace berth::container
