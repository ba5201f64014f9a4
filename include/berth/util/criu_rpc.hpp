// CRIU's RPC interface (images/rpc.proto in CRIU's tree), the messages berth
// sends and reads, and one session with `criu swrk FD`: CRIU started as our
// child over a SOCK_SEQPACKET socketpair, one message per packet.
//
// Why RPC rather than criu's command line (see README, "Checkpoint and
// restore"): the notifications (`setup-namespaces` runs the prestart hooks
// with the restored init's pid, before it resumes; `orphan-pts-master` hands
// over the pty master of a terminal container with SCM_RIGHTS), the restored
// pid and CRIU's error in the answer, `rst_sibling` (the restored init is
// berth's child, as after create), and inherited fds by number.
//
//   Session s = Session::start(criu_path, {images_fd, work_fd}).value();
//   Response r = s.exchange(request, on_notify).value();
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"

namespace berth::criu {

enum class RequestType : uint32_t {
    empty = 0,
    dump = 1,
    restore = 2,
    check = 3,
    pre_dump = 4,
    page_server = 5,
    notify = 6,
    feature_check = 9,
    version = 10,
};
// rpc.proto's name ("DUMP"), as runc's errors print it; "TYPE<n>" for others.
std::string type_name(RequestType type);

enum class CgroupMode : uint32_t { ignore = 0, none = 1, props = 2, soft = 3, full = 4, strict = 5, default_mode = 6 };
// runc's --manage-cgroups-mode values: soft, full, strict, ignore.
Result<CgroupMode> parse_cgroup_mode(std::string_view mode);

struct ExtMount {
    std::string key;
    std::string val;
    bool operator==(const ExtMount&) const = default;
};
struct InheritFd {
    std::string key;
    int fd = -1;
    bool operator==(const InheritFd&) const = default;
};
struct CgroupRoot {
    std::string controller;  // "": every controller (cgroup v2)
    std::string path;
    bool operator==(const CgroupRoot&) const = default;
};
struct PageServer {
    std::string address;
    int port = 0;
    bool operator==(const PageServer&) const = default;
};

// criu_opts; fds are numbers in CRIU's process (Session passes them unchanged).
struct Options {
    int images_dir_fd = -1;
    int work_dir_fd = -1;      // -1: not sent
    int pid = 0;               // dump: the tree's root; 0: not sent
    std::string log_file;      // relative to the work dir
    int log_level = 4;
    std::string root;          // the container's rootfs
    std::string parent_img;    // relative to the images dir
    bool leave_running = false;
    bool ext_unix_sk = false;
    bool tcp_established = false;
    bool tcp_skip_in_flight = false;
    bool shell_job = false;
    bool file_locks = false;
    bool link_remap = false;
    bool auto_dedup = false;
    bool lazy_pages = false;
    bool track_mem = false;
    bool notify_scripts = false;
    bool orphan_pts_master = false;
    bool rst_sibling = false;
    bool manage_cgroups = false;
    std::optional<CgroupMode> manage_cgroups_mode;
    std::optional<PageServer> page_server;
    int status_fd = -1;        // -1: not sent
    uint32_t empty_ns = 0;     // CLONE_NEW* flags
    std::string freeze_cgroup;
    std::vector<ExtMount> ext_mounts;
    std::vector<InheritFd> inherit_fds;
    std::vector<CgroupRoot> cgroup_roots;
    std::vector<std::string> external;
    std::string config_file;
    std::string lsm_profile;
    std::string lsm_mount_context;
    bool operator==(const Options&) const = default;
};

struct Request {
    RequestType type = RequestType::empty;
    std::optional<Options> options;
    bool notify_success = false;  // the answer to a notification
    bool want_mem_track = false;  // feature_check: asks for these
    bool want_lazy_pages = false;
};
std::string encode(const Request& request);

struct Version {
    int major = 0, minor = 0, sublevel = 0;
    int number() const { return major * 10000 + minor * 100 + sublevel; }  // runc's: 31700 for 3.17
    bool operator==(const Version&) const = default;
};

// criu_resp, the fields berth reads (others are skipped).
struct Response {
    RequestType type = RequestType::empty;
    bool success = false;
    std::optional<int> restored_pid;       // restore
    std::optional<std::string> notify_script;  // notify: the action ("setup-namespaces", ...)
    int notify_pid = 0;
    int cr_errno = 0;
    std::string cr_errmsg;
    std::optional<Version> version;
    std::optional<bool> mem_track;         // feature_check
    std::optional<bool> lazy_pages;
    bool operator==(const Response&) const = default;
};
Result<Response> decode_response(std::string_view bytes);
// The inverse, for tests and the fuzzer's round trip.
std::string encode_response(const Response& response);

// Finds `criu` (a path, or a name searched in $PATH), runc's error when it is
// missing: `exec: "criu": executable file not found in $PATH`.
Result<std::string> find_criu(const std::string& criu);

// A notification's handler; `fd` is what came with it (orphan-pts-master).
using NotifyHandler = std::function<Status(const Response& notify, UniqueFd fd)>;

class Session {
public:
    // Starts `criu swrk N`; `inherit` are fds CRIU gets under the same numbers
    // (images and work dirs, stdio to inherit, the status fd).
    static Result<Session> start(const std::string& criu_path, std::span<const int> inherit);
    Session(Session&& other) noexcept;
    Session& operator=(Session&&) = delete;
    ~Session();  // kills and reaps a CRIU still running

    pid_t pid() const { return pid_; }
    // Sends `request`, answers every notification through `on_notify` (a
    // failing handler answers unsuccessfully and its error is returned), and
    // returns CRIU's final answer (also when it says success = false), then
    // reaps CRIU.
    Result<Response> exchange(const Request& request, const NotifyHandler& on_notify);

private:
    Session(pid_t pid, UniqueFd socket) : pid_(pid), socket_(std::move(socket)) {}
    Status send(const Request& request);
    Result<Response> receive(UniqueFd& fd);
    Status reap();

    pid_t pid_ = -1;
    UniqueFd socket_;
};

}  // namespace berth::criu
