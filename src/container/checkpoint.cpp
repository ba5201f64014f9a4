// `checkpoint`: the container's process tree dumped by CRIU.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "berth/cgroups/manager.hpp"
#include "berth/container/checkpoint.hpp"
#include "berth/container/criu_setup.hpp"
#include "berth/container/id.hpp"
#include "berth/container/record.hpp"
#include "berth/container/state_dir.hpp"
#include "berth/container/status.hpp"
#include "berth/linux/path_in_root.hpp"
#include "berth/util/child_error.hpp"
#include "berth/util/file.hpp"
#include "berth/util/log.hpp"
#include "berth/util/mountinfo.hpp"
#include "berth/util/path.hpp"

namespace berth::container {
namespace {

constexpr int kCriuStatusReady = 31500;  // the first CRIU with the status-ready notification

Result<criu::PageServer> parse_page_server(const std::string& value) {
    const size_t colon = value.rfind(':');
    // runc's words.
    if (colon == std::string::npos || colon == 0 || colon + 1 == value.size())
        return Error::msg("Use --page-server ADDRESS:PORT to specify page server");
    criu::PageServer ps{value.substr(0, colon), 0};
    for (char c : value.substr(colon + 1)) {
        if (c < '0' || c > '9' || ps.port > 65535) return Error::msg("Invalid port number");
        ps.port = ps.port * 10 + (c - '0');
    }
    return ps;
}

// --parent-path is relative to the images directory and must be one.
Status check_parent(const CriuDirs& dirs, const std::string& parent) {
    if (parent.starts_with("/")) return Error::msg("--parent-path must be relative");
    struct stat st {};
    const std::string real = dirs.images_path + "/" + parent;
    if (::stat(real.c_str(), &st) != 0) return Error::from_errno("invalid --parent-path: stat \"" + real + "\"");
    if (!S_ISDIR(st.st_mode)) return Error::msg("invalid --parent-path: \"" + real + "\" is not a directory");
    return {};
}

// What the init's stdio is, for restore to hand it new pipes of its own.
Status save_descriptors(const CriuDirs& dirs, pid_t pid) {
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    w.StartArray();
    for (int fd = 0; fd < 3; ++fd) {
        const std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
        char target[PATH_MAX];
        ssize_t n = ::readlink(link.c_str(), target, sizeof(target) - 1);
        if (n < 0) return Error::from_errno("readlink \"" + link + "\"");
        w.String(target, static_cast<rapidjson::SizeType>(n));
    }
    w.EndArray();
    return write_file_atomic(dirs.images.get(), kDescriptorsFile, std::string_view(out.GetString(), out.GetSize()), 0600);
}

// Where a mount's destination is in the container: create followed the
// rootfs' symlinks to mount it (a destination /conf -> real/conf is mounted
// on /real/conf), and CRIU knows the mount by that path; runc resolves it the
// same way. The destination itself when it cannot be resolved.
class MountPoints {
public:
    explicit MountPoints(const std::string& rootfs) : root_(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {
        char real[PATH_MAX];
        if (::realpath(rootfs.c_str(), real)) rootfs_ = real;
    }
    std::string resolve(const std::string& destination) const {
        if (!root_ || rootfs_.empty()) return destination;
        UniqueFd point(linux_setup::open_in_root(root_.get(), destination.c_str(), O_PATH));
        char link[PATH_MAX], proc[32];
        const ssize_t n = point ? ::readlink(linux_setup::fd_path(point.get(), proc, sizeof(proc)), link, sizeof(link)) : -1;
        if (n <= 0 || static_cast<size_t>(n) >= sizeof(link)) return destination;
        const std::string_view path(link, static_cast<size_t>(n));
        if (!path.starts_with(rootfs_)) return destination;
        const std::string_view inside = path.substr(rootfs_ == "/" ? 0 : rootfs_.size());
        if (inside.empty()) return "/";
        return inside.front() == '/' ? std::string(inside) : destination;
    }

private:
    UniqueFd root_;
    std::string rootfs_;
};

// A cgroup mount on a v1 or hybrid host is a tmpfs (the container's own,
// which CRIU dumps) holding one mount per hierarchy, binds of the host's
// cgroup directories: those are external, each named by its path below the
// destination, as runc names them (restore binds the new cgroup's there).
void add_cgroup_v1_mounts(criu::Options& o, const std::string& point, const std::string& destination, pid_t pid) {
    auto text = read_file("/proc/" + std::to_string(pid) + "/mountinfo");
    if (!text) return;  // CRIU then names the mount it cannot dump
    for (const MountInfo& m : parse_mountinfo(*text)) {
        if ((m.fstype != "cgroup" && m.fstype != "cgroup2") || !m.mountpoint.starts_with(point + "/")) continue;
        const std::string name = m.mountpoint.substr(point.size() + 1);
        if (name.find('/') == std::string::npos) o.ext_mounts.push_back({m.mountpoint, destination + "/" + name});
    }
}

// Bind mounts, the cgroup mount and files masked with /dev/null are the
// host's: CRIU records them (by where they are mounted) under a name, their
// destination, and restore maps the names back.
void add_external_mounts(criu::Options& o, const oci::Spec& spec, const Record& record, bool cgroup_v1) {
    const MountPoints points(record.rootfs);
    for (const oci::Mount& m : spec.mounts) {
        if (is_cgroup_mount(m) && cgroup_v1)
            add_cgroup_v1_mounts(o, points.resolve(m.destination), clean_path(m.destination), record.pid);
        else if (is_bind_mount(m) || is_cgroup_mount(m))
            o.ext_mounts.push_back({points.resolve(m.destination), m.destination});
    }
    const pid_t pid = record.pid;
    for (const std::string& path : spec.linux->maskedPaths) {
        struct stat st {};
        const std::string inside = "/proc/" + std::to_string(pid) + "/root" + path;
        if (::stat(inside.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;  // a tmpfs over a directory is the container's
        o.ext_mounts.push_back({path, path});
    }
}

Status add_external_netns(criu::Options& o, const oci::Spec& spec) {
    const std::string path = joined_netns(spec);
    if (path.empty()) return {};
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Error::from_errno("stat \"" + path + "\"");
    o.external.push_back("net[" + std::to_string(st.st_ino) + "]:" + kExtNetNs);
    return {};
}

// As runc: what a pre-dump (memory tracking) or a lazy dump needs is asked of
// CRIU first.
Status check_features(const std::string& criu_path, bool mem_track, bool lazy_pages) {
    if (!mem_track && !lazy_pages) return {};
    BERTH_TRY_ASSIGN(criu::Session session, criu::Session::start(criu_path, {}));
    criu::Request request;
    request.type = criu::RequestType::feature_check;
    request.want_mem_track = mem_track;
    request.want_lazy_pages = lazy_pages;
    BERTH_TRY_ASSIGN(criu::Response answer, session.exchange(request, nullptr));
    std::string missing;
    if (mem_track && !answer.mem_track.value_or(false)) missing += "MemTrack";
    if (lazy_pages && !answer.lazy_pages.value_or(false)) missing += missing.empty() ? "LazyPages" : " LazyPages";
    if (!missing.empty()) return Error::msg("criu is missing features: [" + missing + "]");  // runc's words
    return {};
}

// --status-fd counts with --lazy-pages only (runc ignores it otherwise) and
// must be open for writing: runc tests the O_WRONLY bit, so O_RDWR is refused too.
Result<int> lazy_status_fd(const CheckpointOptions& options) {
    if (!options.criu.lazy_pages || options.status_fd < 0) return -1;
    const std::string prefix = "invalid --status-fd argument " + std::to_string(options.status_fd) + ": ";
    const int flags = ::fcntl(options.status_fd, F_GETFL);
    if (flags < 0) {
        char text[64];
        return Error::msg(prefix + go_strerror(errno, text, sizeof(text)));
    }
    if (!(flags & O_WRONLY)) return Error::msg(prefix + "not writable");
    return options.status_fd;
}

// The page server is ready: a \0 on the status fd, which is closed then (its
// reader may wait for EOF).
void status_ready(int& status_fd) {
    if (status_fd < 0) return;
    const char ready = 0;
    char text[64];
    if (::write(status_fd, &ready, 1) != 1)
        log::warn(std::string("can't write \\0 to status fd: ") + go_strerror(errno, text, sizeof(text)));  // runc's warning
    ::close(status_fd);
    status_fd = -1;
}

Result<criu::Options> dump_options(const CheckpointOptions& options, const CriuDirs& dirs, const oci::Spec& spec,
                                   const Record& record, int status_fd, int criu_version) {
    BERTH_TRY_ASSIGN(criu::Options o, base_options(options.criu, dirs, spec));
    o.pid = record.pid;
    o.root = record.rootfs;
    o.log_file = "dump.log";
    o.leave_running = options.leave_running;
    o.tcp_skip_in_flight = options.tcp_skip_in_flight;
    o.link_remap = options.link_remap;
    // CRIU 3.15 and later say "status-ready" (dump() writes the \0), as runc has them;
    // earlier ones take the fd.
    if (criu_version < kCriuStatusReady) o.status_fd = status_fd;
    if (!options.page_server.empty()) {
        BERTH_TRY_ASSIGN(o.page_server, parse_page_server(options.page_server));
    }
    if (!options.parent_path.empty()) {
        BERTH_TRY(check_parent(dirs, options.parent_path));
        o.parent_img = options.parent_path;
        o.track_mem = true;
    }
    // CRIU freezes the cgroup instead of stopping each task with ptrace.
    auto cgroup = cgroups::load_manager(record.cgroup);
    const bool has_cgroup = cgroup && (*cgroup)->has_cgroup();
    const bool unified = has_cgroup && (*cgroup)->cgroup().layout() == cgroups::Layout::unified;
    if (unified) o.freeze_cgroup = (*cgroup)->cgroup().unified_dir();
    add_external_mounts(o, spec, record, has_cgroup && !unified);
    BERTH_TRY(add_external_netns(o, spec));
    return o;
}

Status dump(const CheckpointOptions& options, const Criu& criu, const CriuDirs& dirs, const oci::Spec& spec,
            const Record& record) {
    BERTH_TRY(check_features(criu.path, options.pre_dump, options.criu.lazy_pages));
    BERTH_TRY_ASSIGN(int status_fd, lazy_status_fd(options));
    BERTH_TRY_ASSIGN(criu::Options o, dump_options(options, dirs, spec, record, status_fd, criu.version));
    if (!options.pre_dump) BERTH_TRY(save_descriptors(dirs, record.pid));
    std::vector<int> inherit = {o.images_dir_fd, o.work_dir_fd};
    if (o.status_fd >= 0) inherit.push_back(o.status_fd);
    BERTH_TRY_ASSIGN(criu::Session session, criu::Session::start(criu.path, inherit));
    if (o.status_fd >= 0) status_fd = -1;  // CRIU's now
    const auto type = options.pre_dump ? criu::RequestType::pre_dump : criu::RequestType::dump;
    const std::string log = o.log_file;
    criu::Request request;
    request.type = type;
    request.options = std::move(o);
    const auto on_notify = [&status_fd](const criu::Response& notify, UniqueFd) -> Status {
        if (*notify.notify_script == "status-ready") status_ready(status_fd);
        return Status{};
    };
    BERTH_TRY_ASSIGN(criu::Response answer, session.exchange(request, on_notify));
    if (!answer.success) return criu_failed(answer, dirs, log);
    return {};
}

}  // namespace

Status checkpoint_container(const std::string& root, const std::string& id, const CheckpointOptions& options) {
    BERTH_TRY(validate_id(id));
    if (!options.criu.manage_cgroups_mode.empty()) BERTH_TRY(criu::parse_cgroup_mode(options.criu.manage_cgroups_mode));
    {
        BERTH_TRY_ASSIGN(ContainerDir dir, lock_container_dir(root, id));
        BERTH_TRY_ASSIGN(Record record, load_record(dir));
        BERTH_TRY_ASSIGN(const ContainerStatus status, derive_status(dir, record));
        BERTH_TRY(check_allowed(Operation::checkpoint, status, id));
        BERTH_TRY_ASSIGN(oci::Spec spec, load_saved_config(dir));
        BERTH_TRY_ASSIGN(Criu criu, usable_criu(options.criu.criu));
        BERTH_TRY_ASSIGN(CriuDirs dirs, open_criu_dirs(options.criu, true));
        Status dumped = dump(options, criu, dirs, spec, record);
        if (!dumped) {
            dirs.remove_made();
            return dumped;
        }
    }
    // As runc: the dumped container is gone (CRIU killed its processes); its
    // record, cgroup and poststop hooks go the way of `delete --force`.
    if (options.leave_running || options.pre_dump) return {};
    return delete_container(root, id, true);
}

}  // namespace berth::container
