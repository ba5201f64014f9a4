// The probe's JSON report (tests/probe/probe.cpp), parsed for assertions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

namespace berth::test {

struct ProbeMount {
    std::string mount_point, fstype, source, root;
    std::string options;        // per-mount options, e.g. "ro,nosuid,nodev"
    std::string super_options;  // superblock options, e.g. "rw,size=65536k,mode=755"
    bool has_option(const std::string& option) const;  // in `options`
};

struct ProbeDevice {
    std::string name;  // relative to /dev: "null", "pts/ptmx"
    char type = 0;     // c b p l d s f
    uint32_t mode = 0, uid = 0, gid = 0, major = 0, minor = 0;
    std::string target;  // for symlinks
};

class ProbeReport {
public:
    // Throws std::runtime_error with the offending text when it is not a report.
    static ProbeReport parse(const std::string& json);

    const rapidjson::Document& json() const { return doc_; }

    std::string hostname() const { return str("hostname"); }
    std::string domainname() const { return str("domainname"); }
    std::string cwd() const { return str("cwd"); }
    uint32_t uid() const { return user("uid"); }
    uint32_t gid() const { return user("gid"); }
    uint32_t euid() const { return user("euid"); }
    uint32_t egid() const { return user("egid"); }
    std::vector<uint32_t> groups() const;
    uint32_t umask() const;
    int pid() const;
    // Inode of /proc/self/ns/<name> ("pid", "mnt", "net", ...); nullopt when absent.
    std::optional<uint64_t> ns_inode(const std::string& name) const;
    std::vector<ProbeMount> mounts() const;
    std::optional<ProbeMount> mount_at(const std::string& mount_point) const;  // the topmost one
    std::vector<std::string> env() const;
    std::optional<std::string> env_value(const std::string& name) const;
    std::vector<std::pair<int, std::string>> fds() const;  // fd -> readlink target
    std::vector<ProbeDevice> devices() const;
    std::optional<ProbeDevice> device(const std::string& name) const;
    // "effective", "permitted", "inheritable", "bounding", "ambient" -> ["CAP_KILL", ...]
    std::vector<std::string> capabilities(const std::string& set) const;
    std::pair<uint64_t, uint64_t> rlimit(const std::string& name) const;  // soft, hard
    bool no_new_privs() const;
    int seccomp_mode() const;  // 0 disabled, 1 strict, 2 filter
    int oom_score_adj() const;
    // (controllers, path) per line of /proc/self/cgroup; "" controllers for cgroup v2.
    std::vector<std::pair<std::string, std::string>> cgroups() const;
    bool root_readonly() const;

private:
    std::string str(const char* key) const;
    uint32_t user(const char* key) const;
    const rapidjson::Value& member(const char* key) const;
    rapidjson::Document doc_;
};

// Inode of this (host) process's /proc/self/ns/<name>, to compare with the probe's.
uint64_t host_ns_inode(const std::string& name);

}  // namespace berth::test
