#include "berth/cgroups/systemd_manager.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <optional>

#include "berth/cgroups/files.hpp"
#include "berth/cgroups/resources.hpp"
#include "berth/cgroups/systemd_annotations.hpp"
#include "berth/cgroups/systemd_properties.hpp"
#include "berth/cgroups/systemd_unit.hpp"
#include "berth/util/dbus.hpp"
#include "berth/util/file.hpp"
#include "berth/util/trace.hpp"

namespace berth::cgroups::systemd {
namespace {

// runc waits as long for a job; a call is answered long before.
constexpr int kTimeoutMs = 30000;
constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kObject = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";

dbus::Message manager_call(std::string member, std::vector<dbus::Value> args) {
    return dbus::Message::method_call(kService, kObject, kManager, std::move(member), std::move(args));
}

// The system manager, or (rootless) the user's on the session bus, as runc
// picks by --rootless: rootless podman runs the runtime as uid 0 of its user
// namespace, where geteuid() says root. On the bus, systemd emits JobRemoved
// only to subscribers, and the bus routes it only with a match; a direct
// connection (the private socket) gets every signal. Both asked before either
// answer is awaited: one round trip, not two.
Result<dbus::Connection> connect(bool user) {
    auto bus = user ? dbus::Connection::user(kTimeoutMs) : dbus::Connection::system(kTimeoutMs);
    if (!bus) return std::move(bus).error().wrap("systemd cgroup driver: cannot reach systemd");
    if (bus->is_bus()) {
        const char* rule = "type='signal',sender='org.freedesktop.systemd1',interface='org.freedesktop.systemd1.Manager',"
                           "member='JobRemoved'";
        BERTH_TRY_ASSIGN(uint32_t match, bus->send(dbus::Message::method_call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                                              "org.freedesktop.DBus", "AddMatch",
                                                                              {dbus::Value::string(rule)}),
                                                   kTimeoutMs));
        BERTH_TRY_ASSIGN(uint32_t subscribe, bus->send(manager_call("Subscribe", {}), kTimeoutMs));
        BERTH_TRY(bus->wait_reply(match, kTimeoutMs));
        BERTH_TRY(bus->wait_reply(subscribe, kTimeoutMs));
    }
    return std::move(bus).value();
}

// One connection per berth process, opened when first needed (pause, ps and
// events never need one) and shared by every manager the process opens: `run`
// creates and deletes in one process, and a second connection costs as much
// as the first, more while systemd collects the stopped scope.
Result<dbus::Connection*> shared_bus(bool user) {
    static std::optional<dbus::Connection> buses[2];  // the system's, the user's
    std::optional<dbus::Connection>& bus = buses[user ? 1 : 0];
    if (!bus) {
        BERTH_TRY_ASSIGN(bus, connect(user));
    }
    return &*bus;
}

// "252.22-1~deb12u1" -> 252; 0 (nothing gated) when it does not parse.
unsigned parse_version(const std::string& text) {
    unsigned version = 0;
    std::from_chars(text.data(), text.data() + text.size(), version);
    return version;
}

// What the property mapping needs to know of this host and its systemd. The
// version is read once a mapping asks for it (map_properties).
struct HostFacts {
    bool unified = true;
    std::optional<unsigned> version;
    std::string proc_devices;  // device group names for "<major>:*" rules

    Host view() const { return Host{unified, version.value_or(0), proc_devices}; }
};

Result<HostFacts> host_facts(const Cgroup& cgroup) {
    HostFacts facts;
    facts.unified = cgroup.layout() == Layout::unified;
    BERTH_TRY_ASSIGN(facts.proc_devices, read_file("/proc/devices"));
    return facts;
}

// Runs `map` (a property mapping of systemd_properties.hpp) with what is known
// of systemd. Most configurations gate nothing on its version, so it is read
// (one round trip) only when the mapping asked for it, and then `map` runs again.
template <class Map>
auto map_properties(dbus::Connection& bus, HostFacts& facts, const Map& map) -> decltype(map(Host{})) {
    Host host = facts.view();
    auto mapped = map(host);
    if (facts.version || !host.version_asked) return mapped;
    trace::phase("sd_version");
    BERTH_TRY_ASSIGN(dbus::Value version, bus.get_property(kService, kObject, kManager, "Version", kTimeoutMs));
    facts.version = parse_version(version.text());
    return map(facts.view());
}

// Where a user manager's unit's cgroup is: its Unit::path below the manager's
// own ControlGroup ("/user.slice/user-1000.slice/user@1000.service").
Result<std::string> user_unit_path(dbus::Connection& bus, const Unit& unit) {
    BERTH_TRY_ASSIGN(dbus::Value base, bus.get_property(kService, kObject, kManager, "ControlGroup", kTimeoutMs));
    if (base.type() != dbus::Type::string || base.text().empty() || base.text().front() != '/')
        return Error::msg("systemd user manager: unexpected ControlGroup \"" + base.text() + "\"");
    return (base.text() == "/" ? std::string() : base.text()) + unit.path;
}

// Calls a Manager method that queues a job (its reply is the job's path) and
// waits for the job's JobRemoved signal; its result, unless "done", is the error.
// `job_phase`: the trace phase of that wait (systemd running the job), apart
// from the call's round trip.
Result<std::string> run_job(dbus::Connection& bus, dbus::Message call, const std::string& what, const char* job_phase) {
    BERTH_TRY_ASSIGN(dbus::Message reply, bus.call(call, kTimeoutMs));
    trace::phase(job_phase);
    if (reply.body.size() != 1 || reply.body[0].type() != dbus::Type::object_path)
        return Error::msg(what + ": unexpected reply from systemd (signature \"" + reply.signature + "\")");
    const std::string job = reply.body[0].text();
    auto removed = bus.wait_signal(
        [&job](const dbus::Message& m) {
            return m.member == "JobRemoved" && m.interface == kManager && m.signature == "uoss" && m.body[1].text() == job;
        },
        kTimeoutMs);
    if (!removed) return std::move(removed).error().wrap(what + ": waiting for systemd job " + job);
    return removed->body[3].text();
}

// Gives the container's process its cgroup, as runc's systemd driver does: the
// directory and the files the kernel names for delegation (cgroups(7) lists the
// three it had before /sys/kernel/cgroup/delegate existed). A file this kernel
// lacks is fine.
Status delegate_to(const std::string& dir, uint32_t uid) {
    if (::chown(dir.c_str(), uid, static_cast<gid_t>(-1)) != 0) return Error::from_errno("chown \"" + dir + "\"");
    auto listed = read_file("/sys/kernel/cgroup/delegate");
    std::string files = listed ? *listed : "cgroup.procs\ncgroup.subtree_control\ncgroup.threads\n";
    for (size_t pos = 0; pos < files.size();) {
        size_t end = files.find('\n', pos);
        if (end == std::string::npos) end = files.size();
        std::string path = dir + "/" + files.substr(pos, end - pos);
        pos = end + 1;
        if (path.back() == '/') continue;
        if (::chown(path.c_str(), uid, static_cast<gid_t>(-1)) != 0 && errno != ENOENT)
            return Error::from_errno("chown \"" + path + "\"");
    }
    return {};
}

// Device properties replace systemd's device rules as a whole: an update that
// names no devices must leave the container's rules alone (as the cgroupfs
// driver's update does).
void drop_device_properties(std::vector<dbus::Property>& properties) {
    std::erase_if(properties, [](const dbus::Property& p) { return p.name == "DevicePolicy" || p.name == "DeviceAllow"; });
}

class SystemdManager final : public Manager {
public:
    SystemdManager(Cgroup cgroup, std::string unit, bool user)
        : Manager(std::move(cgroup)), unit_(std::move(unit)), user_(user) {}

    // create_manager's: what place() sends.
    struct Start {
        Unit unit;
        std::string container_id;
        std::vector<dbus::Property> annotations;
        std::optional<oci::Resources> resources;
        ResourceProperties limits;
        HostFacts host;
        std::optional<uint32_t> owner_uid;
    };
    void prepare_start(Start start) { start_ = std::move(start); }

    SavedManager saved() const override { return {Driver::systemd, unit_, cgroup_.saved(), user_}; }
    // systemd places the init when it starts the unit: nothing to be born into.
    Result<SelfJoin> prepare_join() const override { return SelfJoin{}; }
    Status place(pid_t pid) const override;
    Status update(const oci::Resources& resources) const override;
    Status destroy() const override;

private:
    Status write_files(const oci::Resources& files) const;

    std::string unit_;
    bool user_;  // the user's manager (rootless), not the system's
    std::optional<Start> start_;
};

Status SystemdManager::place(pid_t pid) const {
    if (!start_) return Error::msg("systemd unit " + unit_ + ": nothing to start");
    const Start& s = *start_;
    BERTH_TRY_ASSIGN(dbus::Connection * bus, shared_bus(user_));
    HostFacts facts = s.host;
    // A slice holds no processes of its own: the init goes into its cgroup below.
    std::vector<uint32_t> pids;
    if (!s.unit.is_slice()) pids.push_back(static_cast<uint32_t>(pid));
    BERTH_TRY_ASSIGN(auto properties, map_properties(*bus, facts, [&](const Host& host) {
                         return start_properties(s.unit, s.container_id, pids, s.annotations,
                                                 s.resources ? &*s.resources : nullptr, host);
                     }));
    // The limits in the same call: one round trip, and the unit never runs without them.
    properties.insert(properties.end(), s.limits.properties.begin(), s.limits.properties.end());
    const std::string what = "start systemd unit " + unit_;
    trace::phase("sd_start_unit");
    BERTH_TRY_ASSIGN(std::string result,
                     run_job(*bus,
                             manager_call("StartTransientUnit", {dbus::Value::string(unit_), dbus::Value::string("replace"),
                                                                 dbus::properties_value(properties),
                                                                 dbus::Value::array("(sa(sv))", {})}),
                             what, "sd_start_job"));
    if (result != "done") return Error::msg(what + ": job " + result + " (see `journalctl -u " + unit_ + "`)");
    // v1/hybrid: systemd made the unit's cgroup in the hierarchies of the
    // controllers it manages (and name=systemd, cgroup2); the rest (freezer,
    // cpuset, net_cls, ...) the init joins here, as runc's legacy manager does.
    const bool v1 = cgroup_.layout() != Layout::unified;
    if (v1)
        BERTH_TRY(cgroup_.join_v1_layout(pid));
    else if (s.unit.is_slice())
        BERTH_TRY(cgroup_.add_process(pid));
    // Delegation is a cgroup v2 notion; runc's legacy manager chowns nothing either.
    if (s.owner_uid && !v1) BERTH_TRY(delegate_to(cgroup_.unified_dir(), *s.owner_uid));
    // What systemd has no property for, and every limit at once (systemd
    // applies its properties lazily).
    trace::phase("sd_limits");
    if (user_) return s.resources ? write_files(s.limits.files) : Status{};
    return cgroup_.apply_initial(s.resources ? &s.limits.files : nullptr);
}

// The files of an update, or of a user manager's unit. There, no device
// filter: attaching a BPF program takes privileges in the host's user
// namespace, which the user and its manager lack (runc ignores the device
// errors of a rootless cgroup); the container's user namespace leaves it no
// device it could mknod, and systemd gets the rules as properties.
Status SystemdManager::write_files(const oci::Resources& files) const {
    if (!user_ || files.devices.empty()) return cgroup_.apply(files);
    oci::Resources without_devices = files;
    without_devices.devices.clear();
    return cgroup_.apply(without_devices);
}

// The current "quota period" of the cgroup, as cpu.max has it (quota "max":
// none); v1 keeps them in cpu.cfs_quota_us (-1: none) and cpu.cfs_period_us.
Result<std::string> current_cpu_max(const Cgroup& cgroup) {
    if (cgroup.layout() == Layout::unified) return read_file(cgroup.unified_dir() + "/cpu.max");
    const std::string dir = cgroup.v1_dir("cpu");
    BERTH_TRY_ASSIGN(std::string quota, read_line(dir + "/cpu.cfs_quota_us"));
    BERTH_TRY_ASSIGN(std::string period, read_line(dir + "/cpu.cfs_period_us"));
    return (quota == "-1" ? std::string("max") : quota) + " " + period;
}

// A CPU quota or period alone: the other half from the cgroup, as runc's
// update (which merges the container's saved limits) passes both, so that
// systemd's quota per second and the files agree (`update --cpu-period` keeps
// the quota).
Status complete_cpu_max(const Cgroup& cgroup, oci::Resources& resources) {
    if (!resources.cpu || resources.cpu->quota.has_value() == resources.cpu->period.has_value()) return {};
    BERTH_TRY_ASSIGN(std::string current, current_cpu_max(cgroup));
    const size_t space = current.find(' ');
    const std::string quota = current.substr(0, space);
    uint64_t period = 0;
    if (space == std::string::npos ||
        std::from_chars(current.data() + space + 1, current.data() + current.size(), period).ec != std::errc())
        return Error::msg("cgroup \"" + cgroup.path() + "\": unexpected CPU quota and period \"" + current + "\"");
    if (!resources.cpu->period) resources.cpu->period = period;
    if (!resources.cpu->quota) resources.cpu->quota = quota == "max" ? -1 : std::strtoll(quota.c_str(), nullptr, 10);
    return {};
}

// Freezes the cgroup unless it is frozen already: whether to thaw it afterwards.
Result<bool> freeze_if_thawed(const Cgroup& cgroup) {
    BERTH_TRY_ASSIGN(FreezerState state, cgroup.freezer_state());
    if (state == FreezerState::frozen) return false;
    BERTH_TRY(cgroup.freeze());
    return true;
}

Status SystemdManager::update(const oci::Resources& requested) const {
    const bool v1 = cgroup_.layout() != Layout::unified;
    // As runc, before systemd sees a memory limit below the usage and OOM-kills.
    if (requested.memory && requested.memory->checkBeforeUpdate.value_or(false))
        BERTH_TRY(check_memory_usage(v1 ? cgroup_.v1_dir("memory") + "/memory.usage_in_bytes"
                                        : cgroup_.unified_dir() + "/memory.current",
                                     *requested.memory));
    BERTH_TRY(check_unified_allowed(requested, cgroup_.layout()));
    oci::Resources resources = requested;
    BERTH_TRY(complete_cpu_max(cgroup_, resources));
    BERTH_TRY_ASSIGN(dbus::Connection * bus, shared_bus(user_));
    BERTH_TRY_ASSIGN(HostFacts host, host_facts(cgroup_));
    BERTH_TRY_ASSIGN(ResourceProperties limits,
                     map_properties(*bus, host, [&](const Host& h) { return resource_properties(resources, h); }));
    if (resources.devices.empty()) drop_device_properties(limits.properties);
    if (!limits.properties.empty()) {
        // v1: systemd rewrites the device rules as deny-all, then the allowed
        // ones, and a process that opens a device in between is refused; runc's
        // legacy manager freezes the container around the call (a frozen one
        // stays frozen).
        BERTH_TRY_ASSIGN(bool thaw_after,
                         v1 && !resources.devices.empty() ? freeze_if_thawed(cgroup_) : Result<bool>(false));
        auto set = bus->call(manager_call("SetUnitProperties", {dbus::Value::string(unit_), dbus::Value::boolean(true),
                                                                dbus::properties_value(limits.properties)}),
                             kTimeoutMs);
        if (thaw_after) BERTH_TRY(cgroup_.thaw());
        BERTH_TRY(set);
    }
    return write_files(limits.files);
}

Status SystemdManager::destroy() const {
    // Killed first: stopping a unit with processes left sends them SIGTERM and
    // waits up to its TimeoutStopSec.
    BERTH_TRY(cgroup_.kill_all());
    // In `run` the connection create opened; in `delete` a new one.
    trace::phase("sd_connect");
    BERTH_TRY_ASSIGN(dbus::Connection * bus, shared_bus(user_));
    const std::string what = "stop systemd unit " + unit_;
    trace::phase("sd_stop_unit");
    auto result = run_job(*bus, manager_call("StopUnit", {dbus::Value::string(unit_), dbus::Value::string("replace")}), what,
                          "sd_stop_job");
    // A scope whose processes are all gone has stopped (and been collected) by itself.
    if (!result && !dbus::is_error_name(result.error(), "org.freedesktop.systemd1.NoSuchUnit")) return std::move(result).error();
    if (result && *result == "failed") {
        BERTH_TRY(bus->call(manager_call("ResetFailedUnit", {dbus::Value::string(unit_)}), kTimeoutMs));
    }
    // Sub-cgroups the container made in its delegated subtree, if systemd left any.
    trace::phase("sd_rmdir");
    return cgroup_.destroy();
}

}  // namespace

Result<std::unique_ptr<Manager>> create_manager(const CreateRequest& request) {
    const bool user = request.rootless;
    BERTH_TRY_ASSIGN(Unit unit,
                     unit_for(request.cgroups_path, request.container_id, user ? kRootlessSlice : kRootSlice));
    BERTH_TRY_ASSIGN(Cgroup cgroup, Cgroup::existing(unit.path));
    if (cgroup.layout() != Layout::unified) {
        // As runc's legacy (v1) systemd manager: the system manager only.
        if (user)
            return Error::msg(std::string("--systemd-cgroup --rootless: no rootless systemd driver on a ") +
                              layout_name(cgroup.layout()) + " cgroup host (cgroup v2 only, as runc)");
        if (request.resources) BERTH_TRY(check_unified_allowed(*request.resources, cgroup.layout()));
    }
    static const std::map<std::string, std::string> kNoAnnotations;
    BERTH_TRY_ASSIGN(auto annotations, annotation_properties(request.annotations ? *request.annotations : kNoAnnotations));
    trace::phase("sd_connect");
    BERTH_TRY_ASSIGN(dbus::Connection * bus, shared_bus(user));
    if (user) {
        BERTH_TRY_ASSIGN(std::string path, user_unit_path(*bus, unit));
        BERTH_TRY_ASSIGN(cgroup, Cgroup::existing(std::move(path)));
    }
    trace::phase("sd_properties");
    BERTH_TRY_ASSIGN(HostFacts host, host_facts(cgroup));
    std::string name = unit.name;
    SystemdManager::Start start{std::move(unit), std::string(request.container_id), std::move(annotations), {}, {}, {},
                                request.owner_uid};
    if (request.resources) {
        start.resources = *request.resources;
        BERTH_TRY_ASSIGN(start.limits, map_properties(*bus, host, [&](const Host& h) {
                             return resource_properties(*request.resources, h);
                         }));
    }
    start.host = std::move(host);
    auto manager = std::make_unique<SystemdManager>(std::move(cgroup), std::move(name), user);
    manager->prepare_start(std::move(start));
    return std::unique_ptr<Manager>(std::move(manager));
}

Result<std::unique_ptr<Manager>> load_manager(const SavedManager& saved) {
    BERTH_TRY_ASSIGN(Cgroup cgroup, Cgroup::load(saved.cgroup));
    return std::unique_ptr<Manager>(std::make_unique<SystemdManager>(std::move(cgroup), saved.unit, saved.user));
}

}  // namespace berth::cgroups::systemd
