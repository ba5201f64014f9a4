#include "berth/container/bundle_check.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "berth/linux/mount_options.hpp"
#include "berth/linux/namespaces.hpp"
#include "berth/linux/net_devices.hpp"
#include "berth/linux/seccomp.hpp"
#include "berth/process/attributes.hpp"
#include "berth/process/plan.hpp"
#include "berth/util/fd.hpp"
#include "oci/parser.hpp"

namespace berth::container {
namespace {

std::string indexed(std::string_view base, size_t i) { return std::string(base) + "[" + std::to_string(i) + "]"; }

bool is_absolute(std::string_view path) { return !path.empty() && path[0] == '/'; }

// A planner's error as create reports it, without the file's name: `check`
// names the file once, above the list.
Problem planner_problem(const Error& error) {
    std::string text = error.what();
    constexpr std::string_view kFile = "config.json: ";
    if (text.starts_with(kFile)) text.erase(0, kFile.size());
    return {"", std::move(text)};
}

const oci::Namespace* find_namespace(const oci::Spec& spec, oci::NamespaceType type) {
    if (!spec.linux) return nullptr;
    for (const oci::Namespace& ns : spec.linux->namespaces) {
        if (ns.type == type) return &ns;
    }
    return nullptr;
}

bool new_namespace(const oci::Spec& spec, oci::NamespaceType type) {
    const oci::Namespace* ns = find_namespace(spec, type);
    return ns != nullptr && !ns->path;
}

// [first, first + size) of a mapping, on the container or the host side, as 64-bit to avoid overflow.
struct Range {
    uint64_t first;
    uint64_t end;
};

bool overlaps(Range a, Range b) { return a.first < b.end && b.first < a.end; }

// Is every id of `r` inside one of the ranges `host` lists on its inside (containerID) side?
bool covered(Range r, const std::vector<oci::IDMapping>& host) {
    uint64_t next = r.first;
    // Ranges in /proc/self/uid_map may be split; walk them in order.
    std::vector<Range> inside;
    for (const oci::IDMapping& m : host) inside.push_back({m.containerID, uint64_t{m.containerID} + m.size});
    std::sort(inside.begin(), inside.end(), [](Range a, Range b) { return a.first < b.first; });
    for (Range h : inside) {
        if (h.first <= next && next < h.end) next = h.end;
        if (next >= r.end) return true;
    }
    return next >= r.end;
}

bool id_mapped(uint32_t id, const std::vector<oci::IDMapping>& mappings) {
    for (const oci::IDMapping& m : mappings) {
        if (id >= m.containerID && uint64_t{id} < uint64_t{m.containerID} + m.size) return true;
    }
    return false;
}

bool is_bind(const oci::Mount& m) {
    if (m.type == "bind") return true;
    auto options = linux_setup::parse_mount_options(m.options);
    return options.ok() && options->bind;
}

bool host_has_controller(const HostFacts& host, std::string_view v1_name, std::string_view v2_name) {
    if (host.cgroups.v1_for(v1_name) != nullptr) return true;
    return !v2_name.empty() &&
           std::find(host.v2_controllers.begin(), host.v2_controllers.end(), v2_name) != host.v2_controllers.end();
}

void require_controller(const HostFacts& host, std::string path, std::string_view v1_name, std::string_view v2_name,
                        Problems& out) {
    if (host_has_controller(host, v1_name, v2_name)) return;
    std::string names = v2_name.empty() || v2_name == v1_name
                            ? std::string(v1_name)
                            : std::string(v1_name) + " (cgroup v1) or " + std::string(v2_name) + " (cgroup v2)";
    out.push_back({std::move(path), "this host has no " + names + " controller (cgroup layout " +
                                        cgroups::layout_name(host.cgroups.layout) + ")"});
}

bool is_initial_user_namespace(const HostFacts& host) {
    return host.uid_map.size() == 1 && host.uid_map[0].containerID == 0 && host.uid_map[0].hostID == 0 &&
           host.uid_map[0].size == 4294967295u;
}

// Why the container's process cannot raise a hard rlimit above berth's own, or
// "" when it can. setrlimit takes CAP_SYS_RESOURCE in the host's (initial) user
// namespace only (capable(), not ns_capable()): the caller's own, which berth's
// child keeps only outside a user namespace of the container's.
std::string rlimit_raise_refusal(const HostFacts& host, bool new_user_namespace) {
    constexpr auto kCap = linux_setup::CapabilityMask{1} << CAP_SYS_RESOURCE;
    if ((host.capabilities.bounding & kCap) == 0) return "CAP_SYS_RESOURCE, which this host lacks (not in the bounding set)";
    if ((host.capabilities.grantable & kCap) == 0) return "CAP_SYS_RESOURCE, which berth's caller lacks (not in its permitted set)";
    if (!is_initial_user_namespace(host))
        return "CAP_SYS_RESOURCE in the host's user namespace, and berth runs in another one";
    if (new_user_namespace)
        return "CAP_SYS_RESOURCE in the host's user namespace, which the process has none of in the container's new one";
    return {};
}

// setrlimit fails with EPERM when a hard limit goes above berth's own without
// CAP_SYS_RESOURCE (missing on this host: podman's default nofile of 1048576 fails so).
void check_rlimits(const std::vector<oci::Rlimit>& rlimits, const HostFacts& host, bool new_user_namespace,
                   Problems& out) {
    const std::string refusal = rlimit_raise_refusal(host, new_user_namespace);
    for (size_t i = 0; i < rlimits.size(); ++i) {
        const oci::Rlimit& r = rlimits[i];
        std::string path = indexed("process.rlimits", i);
        auto resource = process::rlimit_resource(r.type);
        if (!resource) continue;  // the parser refuses unknown and repeated types
        auto index = static_cast<size_t>(*resource);
        if (*resource == RLIMIT_NOFILE && r.hard > host.nr_open) {
            out.push_back({path + ".hard", std::to_string(r.hard) + " is above this host's fs.nr_open (" +
                                               std::to_string(host.nr_open) + ")"});
        } else if (index < host.rlimit_hard.size() && r.hard > host.rlimit_hard[index] && !refusal.empty()) {
            out.push_back({path + ".hard", r.type + " " + std::to_string(r.hard) + " is above berth's own hard limit (" +
                                               std::to_string(host.rlimit_hard[index]) + ") and raising it needs " +
                                               refusal});
        }
    }
}

void check_process(const oci::Spec& spec, const HostFacts& host, Problems& out) {
    if (!spec.process) {
        out.push_back({"process", "missing: create and run need the container's process"});
        return;
    }
    const oci::Process& p = *spec.process;
    for (RefusedField& field : process::process_refusals(p)) out.push_back({field.path, field.why});  // create's rules
    check_rlimits(p.rlimits, host, spec.linux && new_namespace(spec, oci::NamespaceType::user), out);
    if (p.apparmorProfile && !p.apparmorProfile->empty() && !host.lsm.apparmor) {
        out.push_back({"process.apparmorProfile", "AppArmor is not enabled on this host"});
    }
    if (p.selinuxLabel && !p.selinuxLabel->empty() && !host.lsm.selinux) {
        out.push_back({"process.selinuxLabel", "SELinux is not enabled on this host"});
    }
    // In a new user namespace the process's ids must be mapped, or setresuid fails with EINVAL.
    if (spec.linux && new_namespace(spec, oci::NamespaceType::user)) {
        if (!spec.linux->uidMappings.empty() && !id_mapped(p.user.uid, spec.linux->uidMappings)) {
            out.push_back({"process.user.uid", std::to_string(p.user.uid) + " is not mapped in linux.uidMappings"});
        }
        if (!spec.linux->gidMappings.empty()) {
            if (!id_mapped(p.user.gid, spec.linux->gidMappings)) {
                out.push_back({"process.user.gid", std::to_string(p.user.gid) + " is not mapped in linux.gidMappings"});
            }
            for (size_t i = 0; i < p.user.additionalGids.size(); ++i) {
                if (!id_mapped(p.user.additionalGids[i], spec.linux->gidMappings)) {
                    out.push_back({indexed("process.user.additionalGids", i),
                                   std::to_string(p.user.additionalGids[i]) + " is not mapped in linux.gidMappings"});
                }
            }
        }
    }
}

// Only namespaced sysctls may be set, and only in a namespace of the container's
// own (otherwise the host's value would change), as runc requires.
void check_sysctl_namespace(const oci::Spec& spec, const std::string& key, Problems& out) {
    const auto needed = process::sysctl_namespace(key);  // create's rule
    if (!needed) {
        out.push_back({"linux.sysctl." + key, "is not namespaced: setting it would change the host's value"});
    } else if (find_namespace(spec, *needed) == nullptr) {
        out.push_back({"linux.sysctl." + key,
                       std::string("needs a ") + oci::to_string(*needed) + " namespace (it would change the host's)"});
    }
}

void check_namespaces(const oci::Spec& spec, const HostFacts& host, Problems& out) {
    const oci::Linux& l = *spec.linux;
    for (size_t i = 0; i < l.namespaces.size(); ++i) {
        const oci::Namespace& ns = l.namespaces[i];
        if (!host.has_namespace(ns.type)) {
            out.push_back({indexed("linux.namespaces", i) + ".type",
                           std::string("this kernel has no ") + oci::to_string(ns.type) + " namespaces"});
        }
    }
    for (RefusedField& refused : linux_setup::namespace_refusals(l)) out.push_back({refused.path, refused.why});
    bool user_ns = find_namespace(spec, oci::NamespaceType::user) != nullptr;
    if (!user_ns && !l.uidMappings.empty()) {
        out.push_back({"linux.uidMappings", "set, but linux.namespaces has no user namespace"});
    }
    if (!user_ns && !l.gidMappings.empty()) {
        out.push_back({"linux.gidMappings", "set, but linux.namespaces has no user namespace"});
    }
    check_id_mappings(l.uidMappings, host.uid_map, "linux.uidMappings", out);
    check_id_mappings(l.gidMappings, host.gid_map, "linux.gidMappings", out);
    for (const auto& [key, value] : l.sysctl) {
        check_sysctl_namespace(spec, key, out);
        if (auto field = process::sysctl_conflicting_field(spec, key, value); !field.empty()) {
            out.push_back({"linux.sysctl." + key, "conflicts with the OCI \"" + field + "\" field: set that instead"});
        }
    }
}

void check_mounts(const oci::Spec& spec, const HostFacts& host, Problems& out) {
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const oci::Mount& m = spec.mounts[i];
        std::string path = indexed("mounts", i);
        if (!is_absolute(m.destination)) {
            out.push_back({path + ".destination", "\"" + m.destination + "\" is not an absolute path"});
        }
        auto options = linux_setup::parse_mount_options(m.options);
        if (!options) {
            out.push_back({path + ".options", options.error().what()});
            continue;
        }
        // Recursive attributes and id-mapping can only be applied with mount_setattr(2).
        bool needs_setattr = !options->recursive.empty() || options->idmap || options->recursive_idmap ||
                             !m.uidMappings.empty() || !m.gidMappings.empty();
        if (needs_setattr && !host.mount_setattr) {
            out.push_back({path, "its options need mount_setattr(2), which this kernel does not have (Linux 5.12+)"});
        }
        check_id_mappings(m.uidMappings, host.uid_map, path + ".uidMappings", out);
        check_id_mappings(m.gidMappings, host.gid_map, path + ".gidMappings", out);
    }
}

// Paths inside the container that the spec requires to be absolute.
void check_absolute_paths(const oci::Linux& l, Problems& out) {
    for (size_t i = 0; i < l.devices.size(); ++i) {
        if (!is_absolute(l.devices[i].path)) {
            out.push_back({indexed("linux.devices", i) + ".path", "\"" + l.devices[i].path + "\" is not an absolute path"});
        }
    }
    const std::pair<const char*, const std::vector<std::string>*> lists[] = {{"linux.maskedPaths", &l.maskedPaths},
                                                                             {"linux.readonlyPaths", &l.readonlyPaths}};
    for (const auto& [name, paths] : lists) {
        for (size_t i = 0; i < paths->size(); ++i) {
            if (!is_absolute((*paths)[i])) {
                out.push_back({indexed(name, i), "\"" + (*paths)[i] + "\" is not an absolute path"});
            }
        }
    }
}

// Is `path` a namespace file of the expected type? (ioctl NS_GET_NSTYPE on an nsfs file)
void check_namespace_file(const std::string& json_path, const std::string& file, oci::NamespaceType type,
                          Problems& out) {
    static constexpr std::array<std::pair<oci::NamespaceType, int>, 8> kFlags = {{
        {oci::NamespaceType::pid, CLONE_NEWPID},
        {oci::NamespaceType::network, CLONE_NEWNET},
        {oci::NamespaceType::mount, CLONE_NEWNS},
        {oci::NamespaceType::ipc, CLONE_NEWIPC},
        {oci::NamespaceType::uts, CLONE_NEWUTS},
        {oci::NamespaceType::user, CLONE_NEWUSER},
        {oci::NamespaceType::cgroup, CLONE_NEWCGROUP},
        {oci::NamespaceType::time, 0x80},  // CLONE_NEWTIME, missing from older <sched.h>
    }};
    if (!is_absolute(file)) {
        out.push_back({json_path, "\"" + file + "\" is not an absolute path"});
        return;
    }
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        out.push_back({json_path, errno == ENOENT ? file + " does not exist" : Error::from_errno("open " + file).what()});
        return;
    }
    int nstype = ::ioctl(fd.get(), NS_GET_NSTYPE);
    if (nstype < 0) {
        out.push_back({json_path, file + " is not a namespace file"});
        return;
    }
    for (const auto& [t, flag] : kFlags) {
        if (t == type && flag != nstype) {
            std::string actual = "another";
            for (const auto& [other, other_flag] : kFlags) {
                if (other_flag == nstype) actual = oci::to_string(other);
            }
            out.push_back({json_path, file + " is a " + actual + " namespace, not " + oci::to_string(type)});
        }
    }
}

std::string in_bundle(const std::string& bundle, const std::string& path) {
    return is_absolute(path) ? path : bundle + "/" + path;
}

bool lexists(const std::string& path) {
    struct stat st{};
    return ::lstat(path.c_str(), &st) == 0;
}

void check_executable(const std::string& json_path, const std::string& file, Problems& out) {
    struct stat st{};
    if (::stat(file.c_str(), &st) != 0) {
        out.push_back({json_path, file + " does not exist"});
    } else if (!S_ISREG(st.st_mode) || ::access(file.c_str(), X_OK) != 0) {
        out.push_back({json_path, file + " is not an executable file"});
    }
}

// The executable must be in the rootfs: an absolute args[0], or found on the process's PATH.
void check_process_executable(const oci::Spec& spec, const std::string& rootfs, Problems& out) {
    if (!spec.process || spec.process->args.empty()) return;
    const std::string& exe = spec.process->args[0];
    if (exe.find('/') != std::string::npos) {
        std::string path = is_absolute(exe) ? exe : spec.process->cwd + "/" + exe;
        if (!lexists(rootfs + "/" + path)) out.push_back({"process.args[0]", path + " does not exist in the rootfs"});
        return;
    }
    std::string search;
    for (const std::string& e : spec.process->env) {
        if (e.starts_with("PATH=")) search = e.substr(5);
    }
    for (size_t pos = 0; pos <= search.size();) {
        size_t end = search.find(':', pos);
        if (end == std::string::npos) end = search.size();
        std::string dir = search.substr(pos, end - pos);
        if (!dir.empty() && lexists(rootfs + "/" + dir + "/" + exe)) return;
        pos = end + 1;
    }
    out.push_back({"process.args[0]", "\"" + exe + "\" is not found in the rootfs on PATH \"" + search + "\""});
}

void check_hooks(const oci::Hooks& hooks, Problems& out) {
    const std::pair<const char*, const std::vector<oci::Hook>*> kinds[] = {
        {"prestart", &hooks.prestart},         {"createRuntime", &hooks.createRuntime},
        {"createContainer", &hooks.createContainer}, {"startContainer", &hooks.startContainer},
        {"poststart", &hooks.poststart},       {"poststop", &hooks.poststop},
    };
    for (const auto& [kind, list] : kinds) {
        for (size_t i = 0; i < list->size(); ++i) {
            const oci::Hook& h = (*list)[i];
            std::string path = indexed(std::string("hooks.") + kind, i) + ".path";
            // createContainer and startContainer hooks run inside the container's mount namespace.
            bool inside = std::string_view(kind) == "createContainer" || std::string_view(kind) == "startContainer";
            if (!is_absolute(h.path)) {
                out.push_back({path, "\"" + h.path + "\" is not an absolute path"});
            } else if (!inside) {
                check_executable(path, h.path, out);
            }
        }
    }
}

}  // namespace

void check_id_mappings(const std::vector<oci::IDMapping>& mappings, const std::vector<oci::IDMapping>& host_map,
                       const std::string& path, Problems& out) {
    for (size_t i = 0; i < mappings.size(); ++i) {
        const oci::IDMapping& m = mappings[i];
        std::string at = indexed(path, i);
        if (m.size == 0) {
            out.push_back({at + ".size", "must not be 0"});
            continue;
        }
        Range inside{m.containerID, uint64_t{m.containerID} + m.size};
        Range outside{m.hostID, uint64_t{m.hostID} + m.size};
        if (inside.end > (uint64_t{1} << 32) || outside.end > (uint64_t{1} << 32)) {
            out.push_back({at, "range goes past the largest id 4294967295"});
            continue;
        }
        for (size_t j = 0; j < i; ++j) {
            const oci::IDMapping& o = mappings[j];
            if (o.size == 0) continue;
            if (overlaps(inside, {o.containerID, uint64_t{o.containerID} + o.size})) {
                out.push_back({at, "container ids overlap " + indexed(path, j)});
            }
            if (overlaps(outside, {o.hostID, uint64_t{o.hostID} + o.size})) {
                out.push_back({at, "host ids overlap " + indexed(path, j)});
            }
        }
        if (!covered(outside, host_map)) {
            out.push_back({at, "host ids " + std::to_string(outside.first) + "-" + std::to_string(outside.end - 1) +
                                   " are not all mapped in berth's own user namespace"});
        }
    }
}

void check_cgroup_resources(const oci::Resources& r, const HostFacts& host, Problems& out) {
    const std::string base = "linux.resources";
    if (r.memory && *r.memory != oci::Memory{}) require_controller(host, base + ".memory", "memory", "memory", out);
    if (r.cpu) {
        oci::CPU without_cpuset = *r.cpu;
        without_cpuset.cpus.reset();
        without_cpuset.mems.reset();
        if (without_cpuset != oci::CPU{}) require_controller(host, base + ".cpu", "cpu", "cpu", out);
        if (r.cpu->cpus || r.cpu->mems) require_controller(host, base + ".cpu", "cpuset", "cpuset", out);
    }
    if (r.pids && r.pids->limit) require_controller(host, base + ".pids", "pids", "pids", out);
    if (r.blockIO && *r.blockIO != oci::BlockIO{}) require_controller(host, base + ".blockIO", "blkio", "io", out);
    if (!r.hugepageLimits.empty()) require_controller(host, base + ".hugepageLimits", "hugetlb", "hugetlb", out);
    if (r.network && r.network->classID) require_controller(host, base + ".network.classID", "net_cls", "", out);
    if (r.network && !r.network->priorities.empty()) {
        require_controller(host, base + ".network.priorities", "net_prio", "", out);
    }
    if (!r.rdma.empty()) require_controller(host, base + ".rdma", "rdma", "rdma", out);
    for (const auto& [key, value] : r.unified) {
        std::string path = base + ".unified." + key;
        if (host.cgroups.unified.empty()) {
            out.push_back({path, "needs cgroup v2, which is not mounted on this host"});
            continue;
        }
        std::string controller = key.substr(0, key.find('.'));
        if (controller == "cgroup") continue;  // core files exist in every cgroup2 directory
        if (std::find(host.v2_controllers.begin(), host.v2_controllers.end(), controller) == host.v2_controllers.end()) {
            out.push_back({path, "the " + controller + " controller is not enabled in the cgroup v2 hierarchy at " +
                                     host.cgroups.unified});
        }
    }
}

Problems check_against_host(const oci::Spec& spec, const HostFacts& host) {
    Problems out;
    if (!spec.ociVersion.starts_with("1.")) {
        out.push_back({"ociVersion", "\"" + spec.ociVersion + "\" is not a 1.x runtime-spec version"});
    }
    if (!host.openat2) {
        out.push_back({"", "this kernel has no openat2(2) (Linux 5.6+), which berth needs to resolve paths inside "
                           "the rootfs safely"});
    }
    if (!spec.root) out.push_back({"root", "missing: a Linux container needs a root filesystem"});
    check_process(spec, host, out);
    for (RefusedField& refused : process::uts_refusals(spec)) out.push_back({refused.path, refused.why});
    check_mounts(spec, host, out);
    if (spec.linux) {
        check_namespaces(spec, host, out);
        if (spec.linux->resources) check_cgroup_resources(*spec.linux->resources, host, out);
        check_absolute_paths(*spec.linux, out);
        if (spec.linux->rootfsPropagation) {
            if (auto p = linux_setup::parse_propagation(*spec.linux->rootfsPropagation); !p) {
                out.push_back({"linux.rootfsPropagation", p.error().what()});
            }
        }
        if (spec.linux->mountLabel && !spec.linux->mountLabel->empty() && !host.lsm.selinux) {
            out.push_back({"linux.mountLabel", "SELinux is not enabled on this host"});
        }
        // The planners' own errors name their JSON path, as create reports them.
        if (spec.linux->memoryPolicy) {
            if (auto planned = process::plan_memory_policy(*spec.linux->memoryPolicy); !planned)
                out.push_back(planner_problem(planned.error()));
        }
        if (auto planned = linux_setup::plan_net_devices(*spec.linux); !planned) out.push_back(planner_problem(planned.error()));
        if (spec.linux->seccomp) {
            if (auto compiled = linux_setup::compile_seccomp(*spec.linux->seccomp); !compiled)
                out.push_back(planner_problem(compiled.error()));
        }
    }
    return out;
}

Problems check_paths(const oci::Spec& spec, const std::string& bundle) {
    Problems out;
    if (spec.root) {
        std::string rootfs = in_bundle(bundle, spec.root->path);
        struct stat st{};
        if (::stat(rootfs.c_str(), &st) != 0) {
            out.push_back({"root.path", rootfs + " does not exist"});
        } else if (!S_ISDIR(st.st_mode)) {
            out.push_back({"root.path", rootfs + " is not a directory"});
        } else {
            check_process_executable(spec, rootfs, out);
        }
    }
    if (spec.linux) {
        for (size_t i = 0; i < spec.linux->namespaces.size(); ++i) {
            const oci::Namespace& ns = spec.linux->namespaces[i];
            if (ns.path) check_namespace_file(indexed("linux.namespaces", i) + ".path", *ns.path, ns.type, out);
        }
        for (const auto& [key, value] : spec.linux->sysctl) {
            // Per-interface keys name the container's interfaces, which the host need not have.
            if (key.find(".conf.") != std::string::npos || key.find(".neigh.") != std::string::npos) continue;
            std::string file = "/proc/sys/" + key;
            std::replace(file.begin() + 10, file.end(), '.', '/');
            if (!lexists(file)) out.push_back({"linux.sysctl." + key, "this kernel has no such sysctl (" + file + ")"});
        }
    }
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const oci::Mount& m = spec.mounts[i];
        if (!is_bind(m) || !m.source) continue;
        std::string source = in_bundle(bundle, *m.source);
        if (!lexists(source)) out.push_back({indexed("mounts", i) + ".source", source + " does not exist"});
    }
    if (spec.hooks) check_hooks(*spec.hooks, out);
    return out;
}

Problems check_bundle(const std::string& bundle, const HostFacts& host) {
    auto spec = oci::load_config(bundle + "/config.json");
    if (!spec) return {{"", spec.error().what()}};
    Problems out = check_against_host(*spec, host);
    Problems paths = check_paths(*spec, bundle);
    out.insert(out.end(), paths.begin(), paths.end());
    return out;
}

}  // namespace berth::container
