#include "berth/linux/namespaces.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
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

Result<std::string> format_time_offsets(const std::map<std::string, oci::TimeOffset>& offsets) {
    std::string out;
    for (const auto& [clock, offset] : offsets) {
        if (clock != "monotonic" && clock != "boottime") {
            return Error::msg("linux.timeOffsets: unknown clock \"" + clock + "\" (monotonic or boottime)");
        }
        out += clock + " " + std::to_string(offset.secs) + " " + std::to_string(offset.nanosecs) + "\n";
    }
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

Result<NamespacePlan> plan_namespaces(const oci::Linux& linux) {
    NamespacePlan plan;
    for (size_t i = 0; i < linux.namespaces.size(); ++i) {
        const auto& ns = linux.namespaces[i];
        std::string where = "linux.namespaces[" + std::to_string(i) + "]";
        auto index = static_cast<size_t>(ns.type);
        if (index >= kTypes) return Error::msg(where + ": unknown namespace type");
        if (plan.has_[index]) {
            return Error::msg(where + ": duplicated namespace type \"" + std::string(oci::to_string(ns.type)) + "\"");
        }
        plan.has_[index] = true;
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
    if (!linux.timeOffsets.empty()) {
        if (!plan.new_time) return Error::msg("linux.timeOffsets: requires a new time namespace");
        BERTH_TRY_ASSIGN(plan.time_offsets, format_time_offsets(linux.timeOffsets));
    }
    if (plan.new_user && (linux.uidMappings.empty() || linux.gidMappings.empty())) {
        return Error::msg("linux.uidMappings/gidMappings: a new user namespace needs both mappings");
    }
    return plan;
}

Result<ParentNamespaces> enter_namespaces_for_clone(const NamespacePlan& plan) {
    ParentNamespaces own;
    auto enter = [&own](oci::NamespaceType type, int nstype, int fd, const std::string& path) -> Status {
        std::string self = std::string("/proc/self/ns/") + proc_ns_name(type);
        UniqueFd saved(::open(self.c_str(), O_RDONLY | O_CLOEXEC));
        if (!saved) return Error::from_errno("open \"" + self + "\"");
        if (nstype == CLONE_NEWNS && !own.cwd) {
            own.cwd.reset(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
            if (!own.cwd) return Error::from_errno("open our cwd");
        }
        if (::setns(fd, nstype) != 0) {
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
        if (::setns(it->own.get(), it->nstype) != 0 && restored) {
            restored = Error::from_errno("restore our own namespace (" + std::to_string(it->nstype) + ")");
        }
    }
    own.saved.clear();
    if (own.cwd && ::fchdir(own.cwd.get()) != 0 && restored) restored = Error::from_errno("restore our cwd");
    own.cwd.reset();
    return restored;
}

Status write_id_mappings(pid_t pid, const std::vector<oci::IDMapping>& uid_mappings,
                         const std::vector<oci::IDMapping>& gid_mappings) {
    // The kernel judges the mappings (EINVAL: overlapping, empty, out of range): name the config field.
    if (auto s = write_proc_file(pid, "uid_map", format_mappings(uid_mappings)); !s) {
        return std::move(s).error().wrap("linux.uidMappings");
    }
    if (auto s = write_proc_file(pid, "gid_map", format_mappings(gid_mappings)); !s) {
        return std::move(s).error().wrap("linux.gidMappings");
    }
    return {};
}

bool join_namespaces(const NamespacePlan& plan, ChildError& err) noexcept {
    bool joined[kTypes] = {};
    auto join_one = [&](const NamespaceJoin& join, bool may_be_refused) {
        if (::setns(join.fd.get(), join.nstype) == 0) {
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
    if (plan.new_cgroup && ::unshare(CLONE_NEWCGROUP) != 0) return err.fail(errno, "unshare cgroup namespace");
    if (!plan.new_time) return true;
    if (::unshare(CLONE_NEWTIME) != 0) return err.fail(errno, "unshare time namespace");
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
    int rc = ::setns(fd, CLONE_NEWTIME);
    int saved = errno;
    ::close(fd);
    if (rc != 0) return err.fail(saved, "setns new time namespace");
    return true;
}

}  // namespace berth::linux_setup
