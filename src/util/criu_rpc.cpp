#include "berth/util/criu_rpc.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "berth/util/fd_passing.hpp"
#include "berth/util/protobuf.hpp"

namespace berth::criu {
namespace {

using protobuf::Field;
using protobuf::Reader;
using protobuf::WireType;
using protobuf::Writer;

// Field numbers of rpc.proto.
namespace opts {
enum : uint32_t {
    images_dir_fd = 1, pid = 2, leave_running = 3, ext_unix_sk = 4, tcp_established = 5, shell_job = 7,
    file_locks = 8, log_level = 9, log_file = 10, ps = 11, notify_scripts = 12, root = 13, parent_img = 14,
    track_mem = 15, auto_dedup = 16, work_dir_fd = 17, link_remap = 18, ext_mnt = 23, manage_cgroups = 24,
    cg_root = 25, rst_sibling = 26, inherit_fd = 27, manage_cgroups_mode = 34, external = 37, empty_ns = 38,
    freeze_cgroup = 44, tcp_skip_in_flight = 46, lazy_pages = 48, status_fd = 49, orphan_pts_master = 50,
    config_file = 51, lsm_profile = 53, lsm_mount_context = 63,
};
}
namespace req {
enum : uint32_t { type = 1, opts = 2, notify_success = 3, features = 5 };
}
namespace resp {
enum : uint32_t { type = 1, success = 2, restore = 4, notify = 5, cr_errno = 7, features = 8, cr_errmsg = 9, version = 10 };
}

constexpr size_t kMaxMessage = 1 << 20;

void flag(Writer& w, uint32_t field, bool value) {
    if (value) w.boolean(field, true);
}
void text(Writer& w, uint32_t field, const std::string& value) {
    if (!value.empty()) w.bytes(field, value);
}
void pair(Writer& w, uint32_t field, const std::string& key, const std::string& val) {
    Writer inner;
    inner.bytes(1, key);
    inner.bytes(2, val);
    w.message(field, inner);
}

Writer encode_options(const Options& o) {
    Writer w;
    w.int32(opts::images_dir_fd, o.images_dir_fd);
    if (o.pid != 0) w.int32(opts::pid, o.pid);
    flag(w, opts::leave_running, o.leave_running);
    flag(w, opts::ext_unix_sk, o.ext_unix_sk);
    flag(w, opts::tcp_established, o.tcp_established);
    flag(w, opts::shell_job, o.shell_job);
    flag(w, opts::file_locks, o.file_locks);
    w.int32(opts::log_level, o.log_level);
    text(w, opts::log_file, o.log_file);
    if (o.page_server) {
        Writer ps;
        ps.bytes(1, o.page_server->address);
        ps.int32(2, o.page_server->port);
        w.message(opts::ps, ps);
    }
    flag(w, opts::notify_scripts, o.notify_scripts);
    text(w, opts::root, o.root);
    text(w, opts::parent_img, o.parent_img);
    flag(w, opts::track_mem, o.track_mem);
    flag(w, opts::auto_dedup, o.auto_dedup);
    if (o.work_dir_fd >= 0) w.int32(opts::work_dir_fd, o.work_dir_fd);
    flag(w, opts::link_remap, o.link_remap);
    for (const auto& m : o.ext_mounts) pair(w, opts::ext_mnt, m.key, m.val);
    flag(w, opts::manage_cgroups, o.manage_cgroups);
    for (const auto& root : o.cgroup_roots) {
        Writer inner;
        text(inner, 1, root.controller);
        inner.bytes(2, root.path);
        w.message(opts::cg_root, inner);
    }
    flag(w, opts::rst_sibling, o.rst_sibling);
    for (const auto& fd : o.inherit_fds) {
        Writer inner;
        inner.bytes(1, fd.key);
        inner.int32(2, fd.fd);
        w.message(opts::inherit_fd, inner);
    }
    if (o.manage_cgroups_mode) w.varint(opts::manage_cgroups_mode, static_cast<uint32_t>(*o.manage_cgroups_mode));
    for (const auto& e : o.external) w.bytes(opts::external, e);
    if (o.empty_ns != 0) w.varint(opts::empty_ns, o.empty_ns);
    text(w, opts::freeze_cgroup, o.freeze_cgroup);
    flag(w, opts::tcp_skip_in_flight, o.tcp_skip_in_flight);
    flag(w, opts::lazy_pages, o.lazy_pages);
    if (o.status_fd >= 0) w.int32(opts::status_fd, o.status_fd);
    flag(w, opts::orphan_pts_master, o.orphan_pts_master);
    text(w, opts::config_file, o.config_file);
    text(w, opts::lsm_profile, o.lsm_profile);
    text(w, opts::lsm_mount_context, o.lsm_mount_context);
    return w;
}

Status expect(const Field& f, WireType type, const char* what) {
    if (f.type == type) return {};
    return Error::msg(std::string("criu response: ") + what + " (field " + std::to_string(f.number) + "): wrong wire type " +
                      std::to_string(static_cast<int>(f.type)));
}

// Calls `each` for every field of `bytes`.
template <class F>
Status for_fields(std::string_view bytes, F&& each) {
    Reader r(bytes);
    for (;;) {
        BERTH_TRY_ASSIGN(std::optional<Field> f, r.next());
        if (!f) return {};
        BERTH_TRY(each(*f));
    }
}

Result<Version> decode_version(std::string_view bytes) {
    Version v;
    bool major = false, minor = false;
    BERTH_TRY(for_fields(bytes, [&](const Field& f) -> Status {
        if (f.number == 1 || f.number == 2 || f.number == 4) {
            BERTH_TRY(expect(f, WireType::varint, "version"));
            (f.number == 1 ? v.major : f.number == 2 ? v.minor : v.sublevel) = f.int32();
            (f.number == 1 ? major : minor) |= f.number != 4;
        }
        return {};
    }));
    if (!major || !minor) return Error::msg("criu response: version without its major and minor numbers");
    return v;
}

Status decode_field(const Field& f, Response& r, bool& has_type, bool& has_success) {
    switch (f.number) {
        case resp::type:
            BERTH_TRY(expect(f, WireType::varint, "type"));
            r.type = static_cast<RequestType>(static_cast<uint32_t>(f.value));
            has_type = true;
            return {};
        case resp::success:
            BERTH_TRY(expect(f, WireType::varint, "success"));
            r.success = f.boolean();
            has_success = true;
            return {};
        case resp::restore: {
            BERTH_TRY(expect(f, WireType::bytes, "restore"));
            BERTH_TRY(for_fields(f.bytes, [&](const Field& g) -> Status {
                if (g.number != 1) return {};
                BERTH_TRY(expect(g, WireType::varint, "restore.pid"));
                r.restored_pid = g.int32();
                return {};
            }));
            if (!r.restored_pid) return Error::msg("criu response: restore without its pid");
            return {};
        }
        case resp::notify:
            BERTH_TRY(expect(f, WireType::bytes, "notify"));
            r.notify_script.emplace();
            return for_fields(f.bytes, [&](const Field& g) -> Status {
                if (g.number == 1) {
                    BERTH_TRY(expect(g, WireType::bytes, "notify.script"));
                    r.notify_script = std::string(g.bytes);
                } else if (g.number == 2) {
                    BERTH_TRY(expect(g, WireType::varint, "notify.pid"));
                    r.notify_pid = g.int32();
                }
                return {};
            });
        case resp::cr_errno:
            BERTH_TRY(expect(f, WireType::varint, "cr_errno"));
            r.cr_errno = f.int32();
            return {};
        case resp::cr_errmsg:
            BERTH_TRY(expect(f, WireType::bytes, "cr_errmsg"));
            r.cr_errmsg = std::string(f.bytes);
            return {};
        case resp::features:
            BERTH_TRY(expect(f, WireType::bytes, "features"));
            return for_fields(f.bytes, [&](const Field& g) -> Status {
                if (g.number != 1 && g.number != 2) return {};
                BERTH_TRY(expect(g, WireType::varint, "features"));
                (g.number == 1 ? r.mem_track : r.lazy_pages) = g.boolean();
                return {};
            });
        case resp::version: {
            BERTH_TRY(expect(f, WireType::bytes, "version"));
            BERTH_TRY_ASSIGN(r.version, decode_version(f.bytes));
            return {};
        }
        default:
            return {};  // dump, ps, status: nothing berth reads
    }
}

}  // namespace

std::string type_name(RequestType type) {
    switch (type) {
        case RequestType::empty: return "EMPTY";
        case RequestType::dump: return "DUMP";
        case RequestType::restore: return "RESTORE";
        case RequestType::check: return "CHECK";
        case RequestType::pre_dump: return "PRE_DUMP";
        case RequestType::page_server: return "PAGE_SERVER";
        case RequestType::notify: return "NOTIFY";
        case RequestType::feature_check: return "FEATURE_CHECK";
        case RequestType::version: return "VERSION";
    }
    return "TYPE" + std::to_string(static_cast<uint32_t>(type));
}

Result<CgroupMode> parse_cgroup_mode(std::string_view mode) {
    if (mode == "soft") return CgroupMode::soft;
    if (mode == "full") return CgroupMode::full;
    if (mode == "strict") return CgroupMode::strict;
    if (mode == "ignore") return CgroupMode::ignore;
    return Error::msg("Invalid manage cgroups mode");  // runc's words
}

std::string encode(const Request& request) {
    Writer w;
    w.varint(req::type, static_cast<uint32_t>(request.type));
    if (request.options) w.message(req::opts, encode_options(*request.options));
    flag(w, req::notify_success, request.notify_success);
    if (request.want_mem_track || request.want_lazy_pages) {
        Writer features;
        flag(features, 1, request.want_mem_track);
        flag(features, 2, request.want_lazy_pages);
        w.message(req::features, features);
    }
    return w.data();
}

Result<Response> decode_response(std::string_view bytes) {
    Response r;
    bool has_type = false, has_success = false;
    BERTH_TRY(for_fields(bytes, [&](const Field& f) { return decode_field(f, r, has_type, has_success); }));
    if (!has_type || !has_success) return Error::msg("criu response: no type or no success field");
    return r;
}

std::string encode_response(const Response& r) {
    Writer w;
    w.varint(resp::type, static_cast<uint32_t>(r.type));
    w.boolean(resp::success, r.success);
    if (r.restored_pid) {
        Writer inner;
        inner.int32(1, *r.restored_pid);
        w.message(resp::restore, inner);
    }
    if (r.notify_script) {
        Writer inner;
        text(inner, 1, *r.notify_script);
        if (r.notify_pid != 0) inner.int32(2, r.notify_pid);
        w.message(resp::notify, inner);
    }
    if (r.cr_errno != 0) w.int32(resp::cr_errno, r.cr_errno);
    if (r.mem_track || r.lazy_pages) {
        Writer inner;
        if (r.mem_track) inner.boolean(1, *r.mem_track);
        if (r.lazy_pages) inner.boolean(2, *r.lazy_pages);
        w.message(resp::features, inner);
    }
    text(w, resp::cr_errmsg, r.cr_errmsg);
    if (r.version) {
        Writer inner;
        inner.int32(1, r.version->major);
        inner.int32(2, r.version->minor);
        if (r.version->sublevel != 0) inner.int32(4, r.version->sublevel);
        w.message(resp::version, inner);
    }
    return w.data();
}

Result<std::string> find_criu(const std::string& criu) {
    const auto executable = [](const std::string& path) {
        struct stat st {};
        return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
    };
    if (criu.find('/') != std::string::npos) {
        if (executable(criu)) return criu;
        return Error::from_errno("exec: \"" + criu + "\": stat " + criu);
    }
    const char* env = std::getenv("PATH");
    std::string_view path = env ? env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    while (true) {
        const size_t colon = path.find(':');
        std::string dir(path.substr(0, colon));
        std::string candidate = (dir.empty() ? "." : dir) + "/" + criu;
        if (executable(candidate)) return candidate;
        if (colon == std::string_view::npos) break;
        path.remove_prefix(colon + 1);
    }
    return Error::msg("exec: \"" + criu + "\": executable file not found in $PATH");
}

Result<Session> Session::start(const std::string& criu_path, std::span<const int> inherit) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) return Error::from_errno("criu: socketpair");
    UniqueFd ours(pair[0]), theirs(pair[1]);
    // Everything the child needs, made before fork.
    const std::string fd_arg = std::to_string(theirs.get());
    const char* argv[] = {criu_path.c_str(), "swrk", fd_arg.c_str(), nullptr};
    std::vector<int> keep(inherit.begin(), inherit.end());
    keep.push_back(theirs.get());
    const pid_t pid = ::fork();
    if (pid < 0) return Error::from_errno("criu: fork");
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int fd : keep) {
            const int flags = ::fcntl(fd, F_GETFD);
            if (flags < 0 || ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) ::_exit(126);
        }
        ::execv(argv[0], const_cast<char* const*>(argv));
        ::_exit(127);
    }
    return Session(pid, std::move(ours));
}

Session::Session(Session&& other) noexcept : pid_(std::exchange(other.pid_, -1)), socket_(std::move(other.socket_)) {}

Session::~Session() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
}

Status Session::send(const Request& request) {
    const std::string bytes = encode(request);
    if (::send(socket_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) return {};
    Error failed = Error::from_errno("criu: send " + type_name(request.type) + " request");
    if (errno != EPIPE && errno != ECONNRESET) return failed;
    BERTH_TRY(reap());  // CRIU is gone: say how it ended
    return failed;
}

Result<Response> Session::receive(UniqueFd& fd) {
    std::string buffer(kMaxMessage, '\0');
    ReceivedMessage got = receive_with_fds(socket_.get(), buffer.data(), buffer.size(), {&fd, 1});
    // CRIU exited: with our request unread the socket says so as a reset.
    if (got.size < 0 && errno == ECONNRESET) got.size = 0;
    if (got.size < 0) return Error::from_errno("criu: receive");
    if (got.size == 0) {
        BERTH_TRY(reap());
        return Error::msg("criu swrk exited before answering");
    }
    if (got.truncated) return Error::msg("criu: message larger than " + std::to_string(kMaxMessage) + " bytes");
    if (got.fds_lost) return Error::msg("criu: more than one fd with a message");
    buffer.resize(static_cast<size_t>(got.size));
    return decode_response(buffer);
}

Status Session::reap() {
    int status = 0;
    pid_t pid = std::exchange(pid_, -1);
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return Error::from_errno("criu: wait");
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return Error::msg("criu swrk: could not execute criu");
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        return Error::msg("criu swrk exited with status " + std::to_string(WEXITSTATUS(status)) + " before answering");
    if (WIFSIGNALED(status)) return Error::msg("criu swrk killed by signal " + std::to_string(WTERMSIG(status)));
    return {};
}

Result<Response> Session::exchange(const Request& request, const NotifyHandler& on_notify) {
    BERTH_TRY(send(request));
    std::optional<Error> failed;
    for (;;) {
        UniqueFd fd;
        BERTH_TRY_ASSIGN(Response response, receive(fd));
        if (response.type != RequestType::notify) {
            // CRIU answered. Some requests (FEATURE_CHECK) leave it waiting for
            // another on the socket: closing ours ends it. How it exits changes nothing.
            socket_.reset();
            (void)reap();
            if (failed) return std::move(*failed);
            if (response.type != request.type)
                return Error::msg("criu: answered " + type_name(response.type) + " to " + type_name(request.type));
            return response;
        }
        Status handled = on_notify ? on_notify(response, std::move(fd)) : Status{};
        if (!handled) failed = std::move(handled).error().wrap("criu notification " + response.notify_script.value_or(""));
        Request answer;
        answer.type = RequestType::notify;
        answer.notify_success = !failed;
        BERTH_TRY(send(answer));
    }
}

}  // namespace berth::criu
