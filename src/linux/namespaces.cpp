#include "berth/linux/namespaces.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace berth::linux_setup {
namespace {

constexpr size_t kTypes = 8;

Status write_proc_file(pid_t pid, const char* name, const std::string& content) {
    std::string path = "/proc/" + std::to_string(pid) + "/" + name;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return Error::from_errno("open \"" + path + "\"");
    // The kernel accepts a map only as one write.
    if (::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
        return Error::from_errno("write \"" + path + "\"");
    }
    return {};
}

std::string format_mappings(const std::vector<oci::IDMapping>& mappings) {
    std::string out;
    for (const auto& m : mappings) {
        out += std::to_string(m.containerID) + " " + std::to_string(m.hostID) + " " + std::to_string(m.size) + "\n";
    }
    return out;
}

// A single mapping of the caller's own id: what the kernel lets an
// unprivileged process write itself.
bool own_id_only(const std::vector<oci::IDMapping>& mappings, uint32_t own) {
    return mappings.size() == 1 && mappings[0].hostID == own && mappings[0].size == 1;
}

// `name` in $PATH, as runc looks up newuidmap from the runtime's own context.
Result<std::string> find_tool(const std::string& name) {
    const char* env = std::getenv("PATH");
    const std::string path = env && *env ? env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (size_t start = 0; start <= path.size();) {
        size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string candidate = (end == start ? std::string(".") : path.substr(start, end - start)) + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        start = end + 1;
    }
    return Error::msg(name + " not found in $PATH (Debian package uidmap): needed for a mapping other than your own id");
}

// newuidmap/newgidmap PID C H S...: the setuid helper checks the ranges
// against /etc/subuid and /etc/subgid. Its own message says what was refused.
Status run_map_tool(const std::string& name, pid_t pid, const std::vector<oci::IDMapping>& mappings) {
    BERTH_TRY_ASSIGN(std::string tool, find_tool(name));
    std::vector<std::string> args{tool, std::to_string(pid)};
    for (const auto& m : mappings)
        for (uint32_t v : {m.containerID, m.hostID, m.size}) args.push_back(std::to_string(v));
    std::string command = name;
    for (size_t i = 1; i < args.size(); ++i) command += " " + args[i];
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    char* envp[] = {nullptr};

    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return Error::from_errno("pipe");
    UniqueFd read_end(out[0]), write_end(out[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), 2);
    // Nothing of ours (nor fds the caller handed to the container) reaches a setuid program.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    pid_t child = 0;
    const int spawned = ::posix_spawn(&child, tool.c_str(), &actions, nullptr, argv.data(), envp);
    posix_spawn_file_actions_destroy(&actions);
    write_end.reset();
    if (spawned != 0) return Error::sys(spawned, command);
    std::string said;
    char buf[512];
    for (ssize_t n; (n = ::read(read_end.get(), buf, sizeof(buf))) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        if (said.size() < 4096) said.append(buf, static_cast<size_t>(n));
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
    for (char& c : said)
        if (c == '\n') c = ' ';
    if (said.empty()) said = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status)) : "killed by a signal";
    return Error::msg(command + ": " + said);
}

// One map: written directly when we may, else through the setuid tool.
Status write_map(pid_t pid, const char* file, const char* tool, const std::vector<oci::IDMapping>& mappings,
                 uint32_t own_id) {
    if (::geteuid() != 0 && !own_id_only(mappings, own_id)) return run_map_tool(tool, pid, mappings);
    return write_proc_file(pid, file, format_mappings(mappings));
}

// The parser admits only the clocks a time namespace has (monotonic, boottime).
std::string format_time_offsets(const std::map<std::string, oci::TimeOffset>& offsets) {
    std::string out;
    for (const auto& [clock, offset] : offsets)
        out += clock + " " + std::to_string(offset.secs) + " " + std::to_string(offset.nanosecs) + "\n";
    return out;
}

}  // namespace

const char* proc_ns_name(oci::NamespaceType type) {
    switch (type) {
        case oci::NamespaceType::pid: return "pid";
        case oci::NamespaceType::network: return "net";
        case oci::NamespaceType::mount: return "mnt";
        case oci::NamespaceType::ipc: return "ipc";
        case oci::NamespaceType::uts: return "uts";
        case oci::NamespaceType::user: return "user";
        case oci::NamespaceType::cgroup: return "cgroup";
        case oci::NamespaceType::time: return "time";
    }
    return "";
}

int clone_flag(oci::NamespaceType type) {
    switch (type) {
        case oci::NamespaceType::pid: return CLONE_NEWPID;
        case oci::NamespaceType::network: return CLONE_NEWNET;
        case oci::NamespaceType::mount: return CLONE_NEWNS;
        case oci::NamespaceType::ipc: return CLONE_NEWIPC;
        case oci::NamespaceType::uts: return CLONE_NEWUTS;
        case oci::NamespaceType::user: return CLONE_NEWUSER;
        case oci::NamespaceType::cgroup: return CLONE_NEWCGROUP;
        case oci::NamespaceType::time: return CLONE_NEWTIME;
    }
    return 0;
}

std::vector<RefusedField> namespace_refusals(const oci::Linux& linux) {
    auto is_new = [&](oci::NamespaceType type) {
        for (const auto& ns : linux.namespaces)
            if (ns.type == type) return !ns.path || ns.path->empty();
        return false;
    };
    std::vector<RefusedField> out;
    if (!linux.timeOffsets.empty() && !is_new(oci::NamespaceType::time))
        out.push_back({"linux.timeOffsets", "requires a new time namespace"});
    if (is_new(oci::NamespaceType::user)) {
        if (linux.uidMappings.empty()) out.push_back({"linux.uidMappings", "a new user namespace needs uid mappings"});
        if (linux.gidMappings.empty()) out.push_back({"linux.gidMappings", "a new user namespace needs gid mappings"});
    }
    return out;
}

Result<NamespacePlan> plan_namespaces(const oci::Linux& linux) {
    for (const RefusedField& refused : namespace_refusals(linux)) return refused.error();
    NamespacePlan plan;
    for (size_t i = 0; i < linux.namespaces.size(); ++i) {
        const auto& ns = linux.namespaces[i];
        std::string where = "config.json: linux.namespaces[" + std::to_string(i) + "]";
        // The parser refused duplicated types: each is planned once.
        plan.has_[static_cast<size_t>(ns.type)] = true;
        int flag = clone_flag(ns.type);
        if (!ns.path || ns.path->empty()) {
            if (ns.type == oci::NamespaceType::time) {
                plan.new_time = true;
            } else if (ns.type == oci::NamespaceType::cgroup) {
                plan.new_cgroup = true;
            } else {
                plan.clone_flags |= static_cast<unsigned long>(flag);
            }
            if (ns.type == oci::NamespaceType::user) plan.new_user = true;
            continue;
        }
        UniqueFd fd(::open(ns.path->c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return Error::from_errno(where + ": open namespace \"" + *ns.path + "\"");
        if (ns.type == oci::NamespaceType::pid) {
            plan.join_pid = std::move(fd);
            continue;
        }
        NamespaceJoin join{.type = ns.type, .nstype = flag, .path = *ns.path, .fd = std::move(fd)};
        // The user namespace first in the list: the second pass needs its privileges.
        if (ns.type == oci::NamespaceType::user) {
            plan.joins.insert(plan.joins.begin(), std::move(join));
        } else {
            plan.joins.push_back(std::move(join));
        }
    }
    if (plan.new_user) plan.parent_joins.swap(plan.joins);
    // A new network namespace costs more than any other (copy_net_ns, 0.3 ms
    // on an idle host): the child unshares it itself, in parallel with the
    // parent's work after clone (cgroups::can_create_after_clone), unless the
    // parent needs it before `go` (linux.netDevices are moved into it) or a new
    // user namespace must own it (created with it by clone3).
    if ((plan.clone_flags & CLONE_NEWNET) != 0 && !plan.new_user && linux.netDevices.empty()) {
        plan.clone_flags &= ~static_cast<unsigned long>(CLONE_NEWNET);
        plan.new_net_by_child = true;
    }
    plan.time_offsets = format_time_offsets(linux.timeOffsets);
    return plan;
}

Result<ParentNamespaces> enter_namespaces_for_clone(const NamespacePlan& plan) {
    ParentNamespaces own;
    own.sys = plan.sys;
    auto enter = [&own](oci::NamespaceType type, int nstype, int fd, const std::string& path) -> Status {
        std::string self = std::string("/proc/self/ns/") + proc_ns_name(type);
        UniqueFd saved(::open(self.c_str(), O_RDONLY | O_CLOEXEC));
        if (!saved) return Error::from_errno("open \"" + self + "\"");
        if (nstype == CLONE_NEWNS && !own.cwd) {
            own.cwd.reset(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
            if (!own.cwd) return Error::from_errno("open our cwd");
        }
        if (own.sys->setns(fd, nstype) != 0) {
            return Error::from_errno("setns " + std::string(oci::to_string(type)) + " namespace \"" + path + "\"");
        }
        own.saved.push_back({nstype, std::move(saved)});
        return {};
    };
    Status entered;
    if (plan.join_pid) entered = enter(oci::NamespaceType::pid, CLONE_NEWPID, plan.join_pid.get(), "pid");
    for (const auto& join : plan.parent_joins) {
        if (!entered) break;
        entered = enter(join.type, join.nstype, join.fd.get(), join.path);
    }
    if (!entered) {
        (void)leave_namespaces_for_clone(own);
        return entered.error();
    }
    return own;
}

Status leave_namespaces_for_clone(ParentNamespaces& own) {
    Status restored;
    for (auto it = own.saved.rbegin(); it != own.saved.rend(); ++it) {
        if (own.sys->setns(it->own.get(), it->nstype) != 0 && restored) {
            restored = Error::from_errno("restore our own namespace (" + std::to_string(it->nstype) + ")");
        }
    }
    own.saved.clear();
    if (own.cwd && own.sys->fchdir(own.cwd.get()) != 0 && restored) restored = Error::from_errno("restore our cwd");
    own.cwd.reset();
    return restored;
}

Status write_id_mappings(pid_t pid, const std::vector<oci::IDMapping>& uid_mappings,
                         const std::vector<oci::IDMapping>& gid_mappings) {
    // The kernel (or newuidmap) judges the mappings (EINVAL: overlapping, empty,
    // out of range; not allowed): name the config field.
    if (auto s = write_map(pid, "uid_map", "newuidmap", uid_mappings, ::geteuid()); !s) {
        return std::move(s).error().wrap("config.json: linux.uidMappings");
    }
    // Unprivileged, the kernel takes our own gid only once setgroups(2) is
    // denied in the namespace (else a process could drop a group that denies it access).
    const bool direct_unprivileged = ::geteuid() != 0 && own_id_only(gid_mappings, ::getegid());
    if (direct_unprivileged) {
        if (auto s = write_proc_file(pid, "setgroups", "deny"); !s) return std::move(s).error().wrap("config.json: linux.gidMappings");
    }
    if (auto s = write_map(pid, "gid_map", "newgidmap", gid_mappings, ::getegid()); !s) {
        return std::move(s).error().wrap("config.json: linux.gidMappings");
    }
    return {};
}

bool bring_up_loopback(const NamespacePlan& plan, ChildError& err) noexcept {
    if ((plan.clone_flags & CLONE_NEWNET) == 0 && !plan.new_net_by_child) return true;
    int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return err.fail(errno, "set lo up: socket");
    ifreq req{};
    std::memcpy(req.ifr_name, "lo", 3);
    bool ok = ::ioctl(sock, SIOCGIFFLAGS, &req) == 0;
    if (ok) {
        req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
        ok = ::ioctl(sock, SIOCSIFFLAGS, &req) == 0;
    }
    int saved = errno;
    ::close(sock);
    return ok || err.fail(saved, "set lo up");
}

bool join_namespace_paths(const NamespacePlan& plan, ChildError& err) noexcept {
    bool joined[kTypes] = {};
    auto join_one = [&](const NamespaceJoin& join, bool may_be_refused) {
        if (plan.sys->setns(join.fd.get(), join.nstype) == 0) {
            joined[static_cast<size_t>(join.type)] = true;
            return true;
        }
        if (may_be_refused && errno == EPERM) return true;
        return err.fail(errno, "setns %s namespace \"%s\"", oci::to_string(join.type), join.path.c_str());
    };
    for (const auto& join : plan.joins) {
        if (join.type != oci::NamespaceType::user && !join_one(join, true)) return false;
    }
    for (const auto& join : plan.joins) {
        if (join.type == oci::NamespaceType::user && !join_one(join, false)) return false;
    }
    for (const auto& join : plan.joins) {
        if (!joined[static_cast<size_t>(join.type)] && !join_one(join, false)) return false;
    }
    return true;
}

bool join_namespaces(const NamespacePlan& plan, ChildError& err) noexcept {
    if (!join_namespace_paths(plan, err)) return false;
    if (plan.new_net_by_child && plan.sys->unshare(CLONE_NEWNET) != 0) return err.fail(errno, "unshare network namespace");
    if (plan.new_cgroup && plan.sys->unshare(CLONE_NEWCGROUP) != 0) return err.fail(errno, "unshare cgroup namespace");
    if (!plan.new_time) return true;
    if (plan.sys->unshare(CLONE_NEWTIME) != 0) return err.fail(errno, "unshare time namespace");
    if (!plan.time_offsets.empty()) {
        int fd = ::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
        if (fd < 0) return err.fail(errno, "open /proc/self/timens_offsets");
        ssize_t n = ::write(fd, plan.time_offsets.data(), plan.time_offsets.size());
        int saved = errno;
        ::close(fd);
        if (n != static_cast<ssize_t>(plan.time_offsets.size())) return err.fail(saved, "write timeOffsets");
    }
    int fd = ::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return err.fail(errno, "open /proc/self/ns/time_for_children");
    int rc = plan.sys->setns(fd, CLONE_NEWTIME);
    int saved = errno;
    ::close(fd);
    if (rc != 0) return err.fail(saved, "setns new time namespace");
    return true;
}

}  // namespace berth::linux_setup
