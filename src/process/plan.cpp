#include "berth/process/plan.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string_view>

#include "berth/linux/rootfs.hpp"
#include "berth/linux/safe_procfs.hpp"
#include "berth/linux/seccomp_cache.hpp"
#include "berth/util/log.hpp"

namespace berth::process {
namespace {

// Consecutive open fds from 3 when main started (note_inherited_fds).
int g_inherited_fds = 0;

}  // namespace

Status plan_security(const oci::Spec& spec, const PlanOptions& options, ChildPlan& plan) {
    const oci::Process& process = *spec.process;
    if (process.capabilities) {
        bool user_namespace = false;
        if (spec.linux)
            for (const auto& ns : spec.linux->namespaces) user_namespace |= ns.type == oci::NamespaceType::user;
        BERTH_TRY_ASSIGN(plan.capabilities, linux_setup::plan_capabilities(*process.capabilities, user_namespace));
    }
    if (spec.linux && spec.linux->seccomp) {
        BERTH_TRY_ASSIGN(plan.seccomp, linux_setup::compile_seccomp_cached(*spec.linux->seccomp, options.state_root));
        // runc 1.2+ logs the flags it loads the filter with (its seccomp.bats reads them from --debug).
        log::debug("seccomp filter flags: " + std::to_string(plan.seccomp->flags));
    }
    plan.no_new_privileges = process.noNewPrivileges;
    BERTH_TRY_ASSIGN(plan.lsm, linux_setup::plan_lsm(spec));
    if (!plan.lsm.exec_attr.empty()) {
        BERTH_TRY_ASSIGN(plan.lsm_procfs, linux_setup::open_private_procfs());
    }
    return {};
}

namespace {

Status plan_names(const oci::Spec& spec, ChildPlan& plan) {
    for (const RefusedField& refused : uts_refusals(spec)) return Error::msg(refused.why);  // runc's text alone
    if (spec.hostname && !spec.hostname->empty()) plan.hostname = spec.hostname;
    if (spec.domainname && !spec.domainname->empty()) plan.domainname = spec.domainname;
    if (spec.linux) {
        for (const auto& [key, value] : spec.linux->sysctl) {
            BERTH_TRY_ASSIGN(auto sysctl, plan_sysctl(key, value, plan.namespaces));
            if (auto field = sysctl_conflicting_field(spec, key, value); !field.empty()) {
                return Error::msg("sysctl \"" + key + "\" is not allowed as it conflicts with the OCI \"" + field +
                                  "\" field");
            }
            plan.sysctls.push_back(std::move(sysctl));
        }
    }
    return {};
}

Status plan_terminal(const oci::Process& process, PlanOptions& options, ChildPlan& plan) {
    plan.terminal = process.terminal;
    plan.console_size = process.consoleSize;
    BERTH_TRY(check_console_socket(process.terminal, true, options.console_socket.valid()));
    plan.console_socket = std::move(options.console_socket);
    plan.relayed_console = options.relayed_console;
    return {};
}

}  // namespace

std::optional<oci::NamespaceType> sysctl_namespace(std::string_view key) {
    static constexpr std::string_view kIpc[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                                "kernel.sem",    "kernel.shmall", "kernel.shmmax",
                                                "kernel.shmmni", "kernel.shm_rmid_forced"};
    if (key.starts_with("fs.mqueue.") || std::find(std::begin(kIpc), std::end(kIpc), key) != std::end(kIpc))
        return oci::NamespaceType::ipc;
    if (key.starts_with("net.")) return oci::NamespaceType::network;
    if (key == "kernel.hostname" || key == "kernel.domainname") return oci::NamespaceType::uts;
    return std::nullopt;
}

std::vector<RefusedField> uts_refusals(const oci::Spec& spec) {
    bool own_uts = false;
    if (spec.linux)
        for (const auto& ns : spec.linux->namespaces) own_uts |= ns.type == oci::NamespaceType::uts;
    std::vector<RefusedField> out;
    if (own_uts) return out;
    if (spec.hostname && !spec.hostname->empty())
        out.push_back({"hostname", "unable to set hostname without a private UTS namespace"});
    if (spec.domainname && !spec.domainname->empty())
        out.push_back({"domainname", "unable to set domainname without a private UTS namespace"});
    return out;
}

Result<Sysctl> plan_sysctl(const std::string& key, const std::string& value, const linux_setup::NamespacePlan& ns) {
    const auto needed = sysctl_namespace(key);
    if (!needed || !ns.has(*needed)) return Error::msg("sysctl \"" + key + "\" is not in a separate kernel namespace");
    if (key.find("..") != std::string::npos || key.find('/') != std::string::npos) {
        return Error::msg("config.json: linux.sysctl: invalid key \"" + key + "\"");
    }
    std::string path = "sys/" + key;
    for (size_t i = 4; i < path.size(); ++i) {
        if (path[i] == '.') path[i] = '/';
    }
    return Sysctl{std::move(path), value};
}

std::string sysctl_conflicting_field(const oci::Spec& spec, const std::string& key, const std::string& value) {
    if (key == "kernel.hostname") return "hostname";
    if (key == "kernel.domainname" && spec.domainname && !spec.domainname->empty() && *spec.domainname != value) {
        return "domainname";
    }
    return "";
}

void drop_inherited_fds(ChildPlan& plan) {
    DIR* dir = ::opendir("/proc/self/fd");  // its own fd is close-on-exec: never listed below
    if (dir == nullptr) return;
    while (const dirent* entry = ::readdir(dir)) {
        const int fd = std::atoi(entry->d_name);
        if (fd < 3 + plan.kept_fds) continue;
        const int flags = ::fcntl(fd, F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC)) plan.parent_only_fds.push_back(fd);
    }
    ::closedir(dir);
}

int inherited_listen_fds() {
    const char* pid = std::getenv("LISTEN_PID");
    const char* fds = std::getenv("LISTEN_FDS");
    if (!pid || !fds) return 0;
    long listen_pid = std::strtol(pid, nullptr, 10);
    int count = static_cast<int>(std::strtol(fds, nullptr, 10));
    return listen_pid == ::getpid() && count > 0 ? count : 0;
}

void note_inherited_fds(int ours) {
    int fd = 3;
    while (fd != ours && ::fcntl(fd, F_GETFD) >= 0) ++fd;
    g_inherited_fds = fd - 3;
}

Status check_inherited_fds(int listen_fds, int preserve_fds) {
    if (listen_fds > g_inherited_fds) {
        int fd = 3 + g_inherited_fds;
        return Error::msg("LISTEN_FDS=" + std::to_string(listen_fds) + ": fd " + std::to_string(fd) + " is not open");
    }
    if (listen_fds + preserve_fds > g_inherited_fds) {
        int missing = g_inherited_fds - listen_fds;
        int fd = 3 + g_inherited_fds;
        return Error::msg("unable to stat preserved-fd " + std::to_string(missing) + " (of " + std::to_string(preserve_fds) +
                          "): stat /proc/self/fd/" + std::to_string(fd) + ": no such file or directory");
    }
    return {};
}

std::vector<RefusedField> windows_fields(const oci::Process& process) {
    std::vector<RefusedField> out;
    if (process.commandLine) out.push_back({"process.commandLine", "a Windows field, not used on Linux (use process.args)"});
    if (process.user.username)
        out.push_back({"process.user.username", "a Windows field, not used on Linux (use process.user.uid and gid)"});
    return out;
}

std::vector<RefusedField> process_refusals(const oci::Process& process) {
    std::vector<RefusedField> out = windows_fields(process);
    if (process.args.empty()) out.push_back({"process.args", "must not be empty"});
    if (!process.cwd.empty() && process.cwd[0] != '/') out.push_back({"process.cwd", "must be an absolute path"});
    for (size_t i = 0; i < process.rlimits.size(); ++i) {
        const oci::Rlimit& r = process.rlimits[i];
        if (r.soft > r.hard)
            out.push_back({"process.rlimits[" + std::to_string(i) + "]",
                           "soft limit " + std::to_string(r.soft) + " is above the hard limit " + std::to_string(r.hard)});
    }
    return out;
}

std::vector<std::string> process_env(const std::vector<std::string>& env, const std::vector<std::string>& extra_env) {
    std::vector<const std::string*> all;
    for (const auto& e : env) all.push_back(&e);
    for (const auto& e : extra_env) all.push_back(&e);
    // As runc: getenv() sees the first of repeated names, the user meant the
    // last one (`exec -e` overrides the config's value), so only that stays,
    // where it last appeared. An empty HOME is as good as none: the child
    // fills it in from the container's passwd.
    std::vector<std::string> kept;
    std::set<std::string_view> seen;
    for (auto e = all.rbegin(); e != all.rend(); ++e) {
        const std::string& entry = **e;
        if (!seen.insert(std::string_view(entry).substr(0, entry.find('='))).second || entry == "HOME=") continue;
        kept.push_back(entry);
    }
    std::reverse(kept.begin(), kept.end());
    return kept;
}

void flatten_exec(ExecArgs& exec, const oci::Process& process, const std::vector<std::string>& extra_env) {
    exec.args = process.args;
    exec.env = process_env(process.env, extra_env);
    exec.needs_home = true;
    for (auto& a : exec.args) exec.argv.push_back(a.data());
    exec.argv.push_back(nullptr);
    for (auto& e : exec.env) {
        if (e.starts_with("HOME=")) exec.needs_home = false;
        if (e.starts_with("PATH=")) exec.path_env = e.c_str() + 5;
        exec.envp.push_back(e.data());
    }
    exec.home_slot = exec.envp.size();
    exec.envp.push_back(nullptr);  // HOME, when needed
    exec.envp.push_back(nullptr);
}

Status check_console_socket(bool terminal, bool detached, bool console_socket) {
    if (detached && terminal && !console_socket)
        return Error::msg("cannot allocate tty if runc will detach without setting console socket");
    if ((!detached || !terminal) && console_socket)
        return Error::msg("cannot use console socket if runc will not detach or allocate tty");
    return {};
}

Result<std::unique_ptr<ChildPlan>> plan_child(const oci::Spec& spec, PlanOptions options) {
    if (!spec.process) return Error::msg("config.json: process: missing (nothing to run)");
    for (const RefusedField& field : process_refusals(*spec.process)) return field.error();
    if (!spec.linux) return Error::msg("config.json: linux: missing");
    const oci::Process& process = *spec.process;
    auto plan = std::make_unique<ChildPlan>();
    plan->id = options.id;
    BERTH_TRY_ASSIGN(plan->namespaces, linux_setup::plan_namespaces(*spec.linux));
    BERTH_TRY_ASSIGN(plan->rootfs, linux_setup::plan_rootfs(spec, {.bundle = options.bundle, .no_pivot = options.no_pivot}));
    BERTH_TRY(plan_security(spec, options, *plan));
    BERTH_TRY_ASSIGN(plan->attributes, plan_attributes(process, &*spec.linux, ProcessRole::init));
    BERTH_TRY_ASSIGN(plan->identity, plan_identity(process.user));
    BERTH_TRY(plan_names(spec, *plan));
    BERTH_TRY(plan_terminal(process, options, *plan));
    plan->new_keyring = !options.no_new_keyring;
    plan->dumpable_until_go = ::geteuid() != 0;
    plan->dumpable_when_ready = ::geteuid() != 0;
    plan->kept_fds = options.listen_fds + options.preserve_fds;
    drop_inherited_fds(*plan);
    plan->cwd = process.cwd.empty() ? "/" : process.cwd;
    std::vector<std::string> extra_env;
    if (options.listen_fds > 0) {
        extra_env = {"LISTEN_FDS=" + std::to_string(options.listen_fds), "LISTEN_PID=1"};
    }
    flatten_exec(plan->exec, process, extra_env);
    if (spec.hooks) {
        plan->parent_hooks = !spec.hooks->prestart.empty() || !spec.hooks->createRuntime.empty();
        plan->create_container_hooks = plan_hooks(spec.hooks->createContainer);
        plan->start_container_hooks = plan_hooks(spec.hooks->startContainer);
    }
    plan->host_proc.reset(::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!plan->host_proc) return Error::from_errno("open \"/proc\"");
    return plan;
}

}  // namespace berth::process
