// berth-probe: runs inside a container and prints, as one JSON object, what
// the process can observe about its environment (namespaces, mounts, ids,
// limits, fds, /dev, capabilities, security state, cgroup). The integration
// tests assert on this instead of trusting the runtime's exit code.
//
// Linked -static so it runs in any rootfs. Deliberately free of project code
// (it must only see the container from the inside).
//
//   berth-probe [--out FILE] [--sleep SECONDS] [--exit CODE]
//     --out    write the JSON to FILE (created 0644) instead of stdout
//     --sleep  stay alive this long after reporting (for state/kill/exec tests)
//     --exit   exit with CODE after reporting
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "berth/util/json.hpp"

extern char** environ;

namespace {

// ---- a minimal JSON writer (no RapidJSON) ----

// berth's own JSON quoting (util/json.cpp, compiled in: the probe links no library).
std::string quote(const std::string& s) { return berth::json_quote(s); }

// Builds an object or array from already-encoded members.
class Json {
public:
    static Json object() { return Json('{', '}'); }
    static Json array() { return Json('[', ']'); }

    Json& add(const std::string& key, const std::string& encoded) {
        sep();
        body_ += quote(key) + ":" + encoded;
        return *this;
    }
    Json& push(const std::string& encoded) {
        sep();
        body_ += encoded;
        return *this;
    }
    std::string str() const { return open_ + body_ + close_; }

private:
    Json(char open, char close) : open_(1, open), close_(1, close) {}
    void sep() {
        if (!body_.empty()) body_ += ",";
    }
    std::string open_, close_, body_;
};

template <typename T>
std::string num(T v) {
    return std::to_string(v);
}

std::string strings(const std::vector<std::string>& items) {
    Json a = Json::array();
    for (const auto& s : items) a.push(quote(s));
    return a.str();
}

// ---- helpers --------------------------------------------------------------

bool read_file(const char* path, std::string& out) {
    std::ifstream in(path);
    if (!in) return false;
    std::stringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::stringstream ss(text);
    for (std::string line; std::getline(ss, line);) lines.push_back(line);
    return lines;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::string read_link(const std::string& path) {
    char buf[4096];
    ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
    if (n < 0) return "";
    return std::string(buf, static_cast<size_t>(n));
}

std::string error_value(const std::string& what) {
    return Json::object().add("error", quote(what + ": " + std::strerror(errno))).str();
}

// ---- sections -------------------------------------------------------------

std::string namespaces() {
    Json o = Json::object();
    const char* names[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
                           "time_for_children", "user", "uts"};
    for (const char* name : names) {
        struct stat st {};
        std::string path = std::string("/proc/self/ns/") + name;
        if (stat(path.c_str(), &st) == 0) o.add(name, num(static_cast<unsigned long long>(st.st_ino)));
    }
    return o.str();
}

// /proc/self/mountinfo: "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
std::string mounts() {
    std::string text;
    if (!read_file("/proc/self/mountinfo", text)) return error_value("/proc/self/mountinfo");
    Json a = Json::array();
    for (const auto& line : lines_of(text)) {
        std::stringstream ss(line);
        std::string id, parent, devno, root, mount_point, options, field;
        ss >> id >> parent >> devno >> root >> mount_point >> options;
        std::vector<std::string> optional_fields;
        while (ss >> field && field != "-") optional_fields.push_back(field);
        std::string fstype, source, super_options;
        ss >> fstype >> source >> super_options;
        a.push(Json::object()
                   .add("id", id)
                   .add("parent", parent)
                   .add("dev", quote(devno))
                   .add("root", quote(root))
                   .add("mount_point", quote(mount_point))
                   .add("options", quote(options))
                   .add("optional", strings(optional_fields))
                   .add("fstype", quote(fstype))
                   .add("source", quote(source))
                   .add("super_options", quote(super_options))
                   .str());
    }
    return a.str();
}

std::string identity() {
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    getresuid(&ruid, &euid, &suid);
    getresgid(&rgid, &egid, &sgid);
    int n = getgroups(0, nullptr);
    std::vector<gid_t> groups(static_cast<size_t>(std::max(n, 0)));
    if (n > 0) n = getgroups(n, groups.data());
    Json g = Json::array();
    for (int i = 0; i < n; ++i) g.push(num(groups[static_cast<size_t>(i)]));
    return Json::object()
        .add("uid", num(ruid))
        .add("euid", num(euid))
        .add("suid", num(suid))
        .add("gid", num(rgid))
        .add("egid", num(egid))
        .add("sgid", num(sgid))
        .add("groups", g.str())
        .str();
}

std::string rlimits() {
    const std::pair<const char*, int> limits[] = {
        {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},
        {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_DATA", RLIMIT_DATA},
        {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
        {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
        {"RLIMIT_NICE", RLIMIT_NICE},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
        {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
        {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
        {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
    };
    Json o = Json::object();
    for (const auto& [name, resource] : limits) {
        struct rlimit rl {};
        if (getrlimit(static_cast<__rlimit_resource>(resource), &rl) != 0) continue;
        o.add(name, Json::object()
                        .add("soft", num(static_cast<unsigned long long>(rl.rlim_cur)))
                        .add("hard", num(static_cast<unsigned long long>(rl.rlim_max)))
                        .str());
    }
    return o.str();
}

std::string environment() {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    return strings(env);
}

// Every open fd except the one used to list the directory.
std::string fds() {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return error_value("/proc/self/fd");
    std::vector<std::pair<int, std::string>> found;
    while (dirent* e = readdir(dir)) {
        if (e->d_name[0] == '.') continue;
        int fd = std::atoi(e->d_name);
        if (fd == dirfd(dir)) continue;
        found.emplace_back(fd, read_link(std::string("/proc/self/fd/") + e->d_name));
    }
    closedir(dir);
    std::sort(found.begin(), found.end());
    Json a = Json::array();
    for (const auto& [fd, target] : found)
        a.push(Json::object().add("fd", num(fd)).add("target", quote(target)).str());
    return a.str();
}

char type_letter(mode_t mode) {
    if (S_ISCHR(mode)) return 'c';
    if (S_ISBLK(mode)) return 'b';
    if (S_ISFIFO(mode)) return 'p';
    if (S_ISLNK(mode)) return 'l';
    if (S_ISDIR(mode)) return 'd';
    if (S_ISSOCK(mode)) return 's';
    return 'f';
}

// Walks /dev (names relative to /dev, e.g. "pts/ptmx"), not following symlinks.
void walk_dev(const std::string& rel, Json& out, int depth) {
    std::string dir_path = "/dev" + (rel.empty() ? "" : "/" + rel);
    DIR* dir = opendir(dir_path.c_str());
    if (!dir) return;
    std::vector<std::string> names;
    while (dirent* e = readdir(dir))
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
    closedir(dir);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        std::string rel_name = rel.empty() ? name : rel + "/" + name;
        std::string path = "/dev/" + rel_name;
        struct stat st {};
        if (lstat(path.c_str(), &st) != 0) continue;
        char type[2] = {type_letter(st.st_mode), 0};
        Json o = Json::object();
        o.add("name", quote(rel_name))
            .add("type", quote(type))
            .add("mode", num(st.st_mode & 07777))
            .add("uid", num(st.st_uid))
            .add("gid", num(st.st_gid));
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
            o.add("major", num(major(st.st_rdev))).add("minor", num(minor(st.st_rdev)));
        if (S_ISLNK(st.st_mode)) o.add("target", quote(read_link(path)));
        out.push(o.str());
        if (S_ISDIR(st.st_mode) && depth < 3) walk_dev(rel_name, out, depth + 1);
    }
}

std::string dev_entries() {
    Json a = Json::array();
    walk_dev("", a, 0);
    return a.str();
}

// Capability names indexed by number (linux/capability.h, up to CAP_CHECKPOINT_RESTORE).
const char* const kCapNames[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
    "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

std::string cap_names(unsigned long long mask) {
    Json a = Json::array();
    for (unsigned bit = 0; bit < 64; ++bit) {
        if (!(mask & (1ULL << bit))) continue;
        if (bit < sizeof kCapNames / sizeof kCapNames[0])
            a.push(quote(kCapNames[bit]));
        else
            a.push(quote("CAP_" + std::to_string(bit)));
    }
    return a.str();
}

// Fields of /proc/self/status the tests need: capability sets, NoNewPrivs, Seccomp.
std::string status_section(std::string& seccomp_mode, std::string& status_nnp) {
    std::string text;
    if (!read_file("/proc/self/status", text)) return error_value("/proc/self/status");
    const std::pair<const char*, const char*> sets[] = {
        {"CapInh:", "inheritable"}, {"CapPrm:", "permitted"}, {"CapEff:", "effective"},
        {"CapBnd:", "bounding"},    {"CapAmb:", "ambient"},
    };
    Json caps = Json::object();
    for (const auto& line : lines_of(text)) {
        std::stringstream ss(line);
        std::string key, value;
        ss >> key >> value;
        for (const auto& [field, name] : sets)
            if (key == field) caps.add(name, cap_names(std::strtoull(value.c_str(), nullptr, 16)));
        if (key == "Seccomp:") seccomp_mode = value;
        if (key == "NoNewPrivs:") status_nnp = value;
    }
    return caps.str();
}

std::string cgroups() {
    std::string text;
    if (!read_file("/proc/self/cgroup", text)) return error_value("/proc/self/cgroup");
    Json a = Json::array();
    for (const auto& line : lines_of(text)) {
        size_t first = line.find(':');
        size_t second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        a.push(Json::object()
                   .add("hierarchy", quote(line.substr(0, first)))
                   .add("controllers", quote(line.substr(first + 1, second - first - 1)))
                   .add("path", quote(line.substr(second + 1)))
                   .str());
    }
    return a.str();
}

// A file holding one integer (e.g. /proc/self/oom_score_adj), as a JSON number.
std::string file_number(const char* path) {
    std::string text;
    if (!read_file(path, text) || trim(text).empty()) return "null";
    return num(std::atoll(text.c_str()));
}

std::string report(int argc, char** argv) {
    Json o = Json::object();
    std::vector<std::string> args(argv, argv + argc);
    o.add("argv", strings(args));
    o.add("pid", num(getpid())).add("ppid", num(getppid()));
    o.add("ns", namespaces());
    o.add("mounts", mounts());

    struct utsname uts {};
    uname(&uts);
    o.add("hostname", quote(uts.nodename)).add("domainname", quote(uts.domainname));

    o.add("user", identity());
    mode_t mask = umask(0);
    umask(mask);
    o.add("umask", num(mask));
    o.add("rlimits", rlimits());

    char cwd[4096];
    o.add("cwd", getcwd(cwd, sizeof cwd) ? quote(cwd) : "null");
    o.add("env", environment());
    o.add("fds", fds());
    o.add("dev", dev_entries());

    std::string seccomp_mode = "null", status_nnp = "null";
    o.add("capabilities", status_section(seccomp_mode, status_nnp));
    o.add("no_new_privs", num(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)));
    o.add("seccomp", seccomp_mode);
    o.add("oom_score_adj", file_number("/proc/self/oom_score_adj"));
    o.add("cgroup", cgroups());
    o.add("personality", num(personality(0xffffffff)));
    o.add("sched_policy", num(sched_getscheduler(0)));
    errno = 0;
    o.add("nice", num(getpriority(PRIO_PROCESS, 0)));

    cpu_set_t set;
    Json cpus = Json::array();
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
            if (CPU_ISSET(cpu, &set)) cpus.push(num(cpu));
    o.add("cpus", cpus.str());
    o.add("root_readonly", access("/", W_OK) != 0 && errno == EROFS ? "true" : "false");
    return o.str();
}

}  // namespace

int main(int argc, char** argv) {
    const char* out_path = nullptr;
    long sleep_seconds = 0;
    int exit_code = 0;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (i + 1 < argc && arg == "--out") {
            out_path = argv[++i];
        } else if (i + 1 < argc && arg == "--sleep") {
            sleep_seconds = std::atol(argv[++i]);
        } else if (i + 1 < argc && arg == "--exit") {
            exit_code = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "berth-probe: unknown argument %s\n", argv[i]);
            return 125;
        }
    }
    std::string json = report(argc, argv) + "\n";
    if (out_path) {
        // Write then rename so a reader polling for the file never sees half a report.
        std::string tmp = std::string(out_path) + ".tmp";
        int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, json.data(), json.size()) != static_cast<ssize_t>(json.size()) || close(fd) != 0 ||
            rename(tmp.c_str(), out_path) != 0) {
            std::fprintf(stderr, "berth-probe: write %s: %s\n", out_path, std::strerror(errno));
            return 125;
        }
    } else if (std::fwrite(json.data(), 1, json.size(), stdout) != json.size() || std::fflush(stdout) != 0) {
        return 125;
    }
    while (sleep_seconds > 0) sleep_seconds = static_cast<long>(sleep(static_cast<unsigned>(sleep_seconds)));
    return exit_code;
}
