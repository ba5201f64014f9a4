// `restore`: a new container whose init is a process tree CRIU restores.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rapidjson/document.h>

#include "berth/cgroups/manager.hpp"
#include "berth/container/checkpoint.hpp"
#include "berth/container/criu_setup.hpp"
#include "berth/container/foreground.hpp"
#include "berth/container/new_container.hpp"
#include "berth/linux/path_in_root.hpp"
#include "berth/linux/seccomp_notify.hpp"
#include "berth/linux/terminal.hpp"
#include "berth/process/hooks.hpp"
#include "berth/process/kill_guard.hpp"
#include "berth/process/plan.hpp"
#include "berth/util/fd_passing.hpp"
#include "berth/util/file.hpp"
#include "berth/util/log.hpp"
#include "berth/util/path.hpp"
#include "berth/util/scope_guard.hpp"

namespace berth::container {
namespace {

constexpr const char* kCriuRoot = "criu-root";

// CRIU needs the rootfs as a mount point of its own: a bind mount of it in
// the container's state directory, gone when restore ends.
class CriuRoot {
public:
    static Result<CriuRoot> make(const ContainerDir& dir, const std::string& rootfs) {
        CriuRoot r;
        r.path_ = dir.file(kCriuRoot);
        if (::mkdir(r.path_.c_str(), 0700) != 0) return Error::from_errno("mkdir \"" + r.path_ + "\"");
        r.made_ = true;
        if (::mount(rootfs.c_str(), r.path_.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
            return Error::from_errno("bind mount \"" + rootfs + "\" on \"" + r.path_ + "\"");
        r.mounted_ = true;
        return r;
    }
    CriuRoot(CriuRoot&& o) noexcept
        : path_(std::move(o.path_)), made_(std::exchange(o.made_, false)), mounted_(std::exchange(o.mounted_, false)) {}
    ~CriuRoot() {
        if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
        if (made_) ::rmdir(path_.c_str());
    }
    const std::string& path() const { return path_; }

private:
    CriuRoot() = default;
    std::string path_;
    bool made_ = false, mounted_ = false;
};

// Each stdio fd that was a pipe at dump gets ours (runc's rule: files and
// terminals are CRIU's to reopen).
Status inherit_stdio(criu::Options& o, const CriuDirs& dirs, std::vector<int>& inherit) {
    const std::string path = dirs.images_path + "/" + kDescriptorsFile;
    auto text = read_file(path);
    if (!text) return Error::msg(text.error().what() + " (not a checkpoint made by berth or runc?)");
    rapidjson::Document doc;
    doc.Parse(text->data(), text->size());
    if (doc.HasParseError() || !doc.IsArray()) return Error::msg(path + ": expected a JSON array of strings");
    for (rapidjson::SizeType fd = 0; fd < doc.Size() && fd < 3; ++fd) {
        if (!doc[fd].IsString()) return Error::msg(path + ": expected a JSON array of strings");
        std::string what(doc[fd].GetString(), doc[fd].GetStringLength());
        if (!what.starts_with("pipe:") || ::fcntl(static_cast<int>(fd), F_GETFD) < 0) continue;
        o.inherit_fds.push_back({what, static_cast<int>(fd)});
        inherit.push_back(static_cast<int>(fd));
    }
    return {};
}

// The container's cgroup, which CRIU joins before it restores the tree into
// it (runc's way): the cgroupfs directories, or the systemd unit started
// with CRIU's pid. Then CRIU's own cgroups become its roots.
Status join_cgroup(const cgroups::Manager& manager, pid_t criu_pid, criu::Options& o) {
    if (!manager.has_cgroup()) return {};
    if (manager.saved().driver == cgroups::Driver::cgroupfs) {
        BERTH_TRY(manager.cgroup().add_process(criu_pid));
    } else {
        BERTH_TRY(manager.place(criu_pid));
    }
    const std::string path = "/proc/" + std::to_string(criu_pid) + "/cgroup";
    BERTH_TRY_ASSIGN(std::string text, read_file(path));
    for (std::string_view line : split_lines(text)) {
        const size_t first = line.find(':'), second = line.find(':', first + 1);
        if (first == std::string_view::npos || second == std::string_view::npos) continue;
        o.cgroup_roots.push_back({std::string(line.substr(first + 1, second - first - 1)), std::string(line.substr(second + 1))});
    }
    return {};
}

// A bind mount's source as the host names it: relative to the bundle and
// cleaned, as runc's filepath.Join cleans it (CRIU cannot take "bundle/.").
std::string bind_source(const oci::Mount& m, const std::string& bundle) {
    const std::string source = m.source.value_or("");
    return clean_path(source.starts_with("/") ? source : bundle + "/" + source);
}

// The bind mount earlier in the config whose destination holds `m`'s (the
// innermost), or null: `m` is mounted inside it, so its mountpoint is in
// that mount's source, not in the rootfs.
const oci::Mount* outer_bind(const oci::Spec& spec, const oci::Mount& m) {
    const std::string dest = clean_path(m.destination);
    const oci::Mount* outer = nullptr;
    size_t longest = 0;
    for (const oci::Mount& p : spec.mounts) {
        if (&p == &m) break;
        if (!is_bind_mount(p)) continue;
        const std::string prefix = clean_path(p.destination);
        const bool inside = prefix == "/" || (dest.starts_with(prefix) && dest.size() > prefix.size() && dest[prefix.size()] == '/');
        if (inside && prefix.size() >= longest) {
            outer = &p;
            longest = prefix.size();
        }
    }
    return outer;
}

// CRIU binds the external mounts onto their mountpoints as they are in the
// rootfs or, for a mount inside another bind mount, in that mount's source; a
// rootfs that never ran the container (podman's --import), or a source emptied
// since (runc's checkpoint.bats does that), lacks them: made as create makes
// them, a directory or an empty file like the source.
Status create_mountpoints(const oci::Spec& spec, const std::string& rootfs, const std::string& bundle) {
    for (const oci::Mount& m : spec.mounts) {
        if (!is_bind_mount(m) && !is_cgroup_mount(m)) continue;
        bool directory = true;
        if (is_bind_mount(m)) {
            struct stat st {};
            directory = ::stat(bind_source(m, bundle).c_str(), &st) != 0 || S_ISDIR(st.st_mode);
        }
        const oci::Mount* outer = outer_bind(spec, m);
        const std::string base = outer ? bind_source(*outer, bundle) : rootfs;
        const std::string path = outer ? clean_path(m.destination).substr(clean_path(outer->destination).size()) : m.destination;
        UniqueFd root(::open(base.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!root) return Error::from_errno("open \"" + base + "\"");
        UniqueFd point(linux_setup::open_or_create_in_root(root.get(), path.c_str(), directory));
        if (!point) return Error::from_errno("mountpoint \"" + path + "\" in \"" + base + "\"");
    }
    return {};
}

// The cgroup mount becomes binds of the new container's own cgroup: on v2 the
// whole mount; on a v1 or hybrid host each hierarchy's mount below the
// destination, named as checkpoint named them (DESTINATION/NAME, NAME the
// hierarchy's directory under /sys/fs/cgroup: "cpu,cpuacct", "systemd", ...).
void add_cgroup_mounts(criu::Options& o, const std::string& destination, const cgroups::Cgroup& cgroup) {
    if (cgroup.layout() == cgroups::Layout::unified) {
        o.ext_mounts.push_back({destination, cgroup.unified_dir()});
        return;
    }
    const std::string& path = cgroup.path();
    const std::string base = clean_path(destination);
    for (const std::string& dir : cgroup.dirs()) {
        const std::string mountpoint = dir.substr(0, dir.size() - path.size());
        o.ext_mounts.push_back({base + "/" + mountpoint.substr(mountpoint.rfind('/') + 1), dir});
    }
}

struct Restored {
    pid_t pid = 0;
    UniqueFd master;  // the terminal's, when not sent to a console socket
};

Result<Restored> run_criu(RestoreOptions& options, const std::string& criu_path, const CriuDirs& dirs, const Bundle& bundle,
                          const cgroups::Manager& cgroup, const Record& record, const ContainerDir& dir) {
    const oci::Spec& spec = bundle.spec;
    BERTH_TRY_ASSIGN(criu::Options o, base_options(options.criu, dirs, spec));
    BERTH_TRY(create_mountpoints(spec, record.rootfs, bundle.path));
    BERTH_TRY_ASSIGN(CriuRoot root, CriuRoot::make(dir, record.rootfs));
    o.root = root.path();
    o.log_file = "restore.log";
    o.rst_sibling = true;  // the init is our child, as after create
    o.lsm_profile = options.lsm_profile;
    o.lsm_mount_context = options.lsm_mount_context;
    std::vector<int> inherit = {o.images_dir_fd, o.work_dir_fd};
    for (const oci::Mount& m : spec.mounts) {
        if (is_cgroup_mount(m) && cgroup.has_cgroup()) {
            add_cgroup_mounts(o, m.destination, cgroup.cgroup());
            continue;
        }
        if (!is_bind_mount(m)) continue;
        o.ext_mounts.push_back({m.destination, bind_source(m, bundle.path)});
    }
    for (const std::string& path : spec.linux->maskedPaths) o.ext_mounts.push_back({path, "/dev/null"});
    UniqueFd netns;
    if (std::string path = joined_netns(spec); !path.empty()) {
        netns.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!netns) return Error::from_errno("open \"" + path + "\"");
        o.inherit_fds.push_back({kExtNetNs, netns.get()});
        inherit.push_back(netns.get());
    }
    BERTH_TRY(inherit_stdio(o, dirs, inherit));

    BERTH_TRY_ASSIGN(criu::Session session, criu::Session::start(criu_path, inherit));
    BERTH_TRY(join_cgroup(cgroup, session.pid(), o));
    Restored restored;
    const auto on_notify = [&](const criu::Response& notify, UniqueFd fd) -> Status {
        const std::string& action = *notify.notify_script;
        if (action == "setup-namespaces" && spec.hooks) {
            // As runc: the prestart and createRuntime hooks see the restored init before it resumes.
            const std::string state = hook_state(record, notify.notify_pid, ContainerStatus::creating);
            BERTH_TRY(process::run_hooks(spec.hooks->prestart, state, "prestart"));
            return process::run_hooks(spec.hooks->createRuntime, state, "createRuntime");
        }
        if (action == "orphan-pts-master") {
            if (!fd) return Error::msg("no pty master came with orphan-pts-master");
            if (options.create.console_socket.empty()) {
                restored.master = std::move(fd);
                return {};
            }
            BERTH_TRY_ASSIGN(UniqueFd console, linux_setup::connect_console_socket(options.create.console_socket));
            ChildError err;
            if (!send_fd(console.get(), fd.get(), "the pty master", err)) return Error::sys(err.err, err.message);
        }
        return {};
    };
    const std::string log = o.log_file;
    criu::Request request;
    request.type = criu::RequestType::restore;
    request.options = std::move(o);
    BERTH_TRY_ASSIGN(criu::Response answer, session.exchange(request, on_notify));
    if (!answer.success) return criu_failed(answer, dirs, log);
    if (!answer.restored_pid) return Error::msg("criu restored no process");
    restored.pid = *answer.restored_pid;
    return restored;
}

Status check_flags(const RestoreOptions& options, const oci::Spec& spec) {
    if (!options.criu.manage_cgroups_mode.empty()) BERTH_TRY(criu::parse_cgroup_mode(options.criu.manage_cgroups_mode));
    const bool terminal = spec.process && spec.process->terminal;
    return process::check_console_socket(terminal, options.detach, !options.create.console_socket.empty());
}

// Everything but the wait: the container's directory (and its lock) is
// closed on return, so the foreground's delete can take it.
Result<Restored> restore_new_container(RestoreOptions& options, const Bundle& bundle, const std::string& criu_path,
                                       const CriuDirs& dirs) {
    CreateOptions& create = options.create;
    BERTH_TRY_ASSIGN(ContainerDir dir, create_container_dir(create.root, create.id));
    ScopeGuard dir_guard([&dir] { (void)remove_container_dir(dir); });  // a failed restore leaves no directory
    BERTH_TRY(save_config(dir, bundle.config_json));
    BERTH_TRY_ASSIGN(std::unique_ptr<cgroups::Manager> cgroup, cgroups::create_manager(cgroup_request(create, bundle.spec)));
    cgroups::ManagerGuard cgroup_guard(*cgroup);
    Record record = new_record(create, bundle);
    record.cgroup = cgroup->saved();
    // As in create: a restore killed from here on leaves a record naming the cgroup.
    BERTH_TRY(save_record(dir, record));
    BERTH_TRY_ASSIGN(Restored restored, run_criu(options, criu_path, dirs, bundle, *cgroup, record, dir));
    process::KillGuard init_guard(restored.pid);
    record.pid = restored.pid;
    auto start_time = process_start_time(restored.pid);
    if (!start_time) return Error::msg("restored container init exited during restore");
    record.pid_start_time = *start_time;
    BERTH_TRY(save_record(dir, record));
    if (!create.pid_file.empty()) BERTH_TRY(write_pid_file(create.pid_file, restored.pid));
    init_guard.dismiss();
    cgroup_guard.dismiss();
    dir_guard.dismiss();
    return restored;
}

}  // namespace

Result<int> restore_container(RestoreOptions options) {
    BERTH_TRY_ASSIGN(Bundle bundle, open_bundle(options.create));
    BERTH_TRY(check_flags(options, bundle.spec));
    // As runc: a foreground restore relays the restored pty to a terminal of ours and
    // refuses to start without one.
    UniqueFd console;
    if (!options.detach && bundle.spec.process && bundle.spec.process->terminal) {
        BERTH_TRY_ASSIGN(console, host_console());
    }
    BERTH_TRY_ASSIGN(Criu criu, usable_criu(options.criu.criu));
    BERTH_TRY_ASSIGN(CriuDirs dirs, open_criu_dirs(options.criu, false));
    if (!options.detach && !options.no_subreaper && ::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        return Error::from_errno("set child subreaper");
    std::optional<SignalForwarding> signals;
    if (!options.detach) signals.emplace();
    BERTH_TRY_ASSIGN(Restored restored, restore_new_container(options, bundle, criu.path, dirs));
    if (options.detach) return 0;
    Result<int> code = wait_foreground(restored.pid, signals->fd(), restored.master.get(), console.get());
    if (Status deleted = delete_container(options.create.root, options.create.id, true); !deleted)
        log::warn(deleted.error().what());
    return code;
}

}  // namespace berth::container
