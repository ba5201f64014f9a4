#include "harness/probe_report.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace berth::test {

bool ProbeMount::has_option(const std::string& option) const {
    std::stringstream ss(options);
    for (std::string item; std::getline(ss, item, ',');)
        if (item == option) return true;
    return false;
}

ProbeReport ProbeReport::parse(const std::string& json) {
    ProbeReport report;
    report.doc_.Parse(json.c_str(), json.size());
    if (report.doc_.HasParseError() || !report.doc_.IsObject() || !report.doc_.HasMember("ns"))
        throw std::runtime_error("not a probe report: " + json);
    return report;
}

const rapidjson::Value& ProbeReport::member(const char* key) const {
    auto it = doc_.FindMember(key);
    if (it == doc_.MemberEnd()) throw std::runtime_error(std::string("probe report has no ") + key);
    return it->value;
}

std::string ProbeReport::str(const char* key) const {
    const auto& v = member(key);
    return v.IsString() ? v.GetString() : "";
}

uint32_t ProbeReport::user(const char* key) const { return member("user")[key].GetUint(); }

std::vector<uint32_t> ProbeReport::groups() const {
    std::vector<uint32_t> out;
    for (const auto& g : member("user")["groups"].GetArray()) out.push_back(g.GetUint());
    return out;
}

uint32_t ProbeReport::umask() const { return member("umask").GetUint(); }
int ProbeReport::pid() const { return member("pid").GetInt(); }

std::optional<uint64_t> ProbeReport::ns_inode(const std::string& name) const {
    const auto& ns = member("ns");
    auto it = ns.FindMember(name.c_str());
    if (it == ns.MemberEnd()) return std::nullopt;
    return it->value.GetUint64();
}

std::vector<ProbeMount> ProbeReport::mounts() const {
    std::vector<ProbeMount> out;
    for (const auto& m : member("mounts").GetArray())
        out.push_back({m["mount_point"].GetString(), m["fstype"].GetString(), m["source"].GetString(),
                       m["root"].GetString(), m["options"].GetString(), m["super_options"].GetString()});
    return out;
}

std::optional<ProbeMount> ProbeReport::mount_at(const std::string& mount_point) const {
    std::optional<ProbeMount> found;
    for (auto& m : mounts())
        if (m.mount_point == mount_point) found = m;  // mountinfo lists older mounts first
    return found;
}

std::vector<std::string> ProbeReport::env() const {
    std::vector<std::string> out;
    for (const auto& e : member("env").GetArray()) out.emplace_back(e.GetString());
    return out;
}

std::optional<std::string> ProbeReport::env_value(const std::string& name) const {
    for (const auto& e : env())
        if (e.compare(0, name.size() + 1, name + "=") == 0) return e.substr(name.size() + 1);
    return std::nullopt;
}

std::vector<std::pair<int, std::string>> ProbeReport::fds() const {
    std::vector<std::pair<int, std::string>> out;
    for (const auto& f : member("fds").GetArray()) out.emplace_back(f["fd"].GetInt(), f["target"].GetString());
    return out;
}

std::vector<ProbeDevice> ProbeReport::devices() const {
    std::vector<ProbeDevice> out;
    for (const auto& d : member("dev").GetArray()) {
        ProbeDevice dev;
        dev.name = d["name"].GetString();
        dev.type = d["type"].GetString()[0];
        dev.mode = d["mode"].GetUint();
        dev.uid = d["uid"].GetUint();
        dev.gid = d["gid"].GetUint();
        if (d.HasMember("major")) {
            dev.major = d["major"].GetUint();
            dev.minor = d["minor"].GetUint();
        }
        if (d.HasMember("target")) dev.target = d["target"].GetString();
        out.push_back(dev);
    }
    return out;
}

std::optional<ProbeDevice> ProbeReport::device(const std::string& name) const {
    for (auto& d : devices())
        if (d.name == name) return d;
    return std::nullopt;
}

std::vector<std::string> ProbeReport::capabilities(const std::string& set) const {
    std::vector<std::string> out;
    for (const auto& c : member("capabilities")[set.c_str()].GetArray()) out.emplace_back(c.GetString());
    return out;
}

std::pair<uint64_t, uint64_t> ProbeReport::rlimit(const std::string& name) const {
    const auto& r = member("rlimits")[name.c_str()];
    return {r["soft"].GetUint64(), r["hard"].GetUint64()};
}

bool ProbeReport::no_new_privs() const { return member("no_new_privs").GetInt() == 1; }
int ProbeReport::seccomp_mode() const { return member("seccomp").GetInt(); }
int ProbeReport::oom_score_adj() const { return member("oom_score_adj").GetInt(); }
bool ProbeReport::root_readonly() const { return member("root_readonly").GetBool(); }

std::vector<std::pair<std::string, std::string>> ProbeReport::cgroups() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& c : member("cgroup").GetArray()) out.emplace_back(c["controllers"].GetString(), c["path"].GetString());
    return out;
}

uint64_t host_ns_inode(const std::string& name) {
    struct stat st {};
    if (stat(("/proc/self/ns/" + name).c_str(), &st) != 0) return 0;
    return st.st_ino;
}

}  // namespace berth::test
