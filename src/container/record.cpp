#include "berth/container/record.hpp"
#include "oci/parser.hpp"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

namespace berth::container {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(Writer& w, const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

void put_strings(Writer& w, const char* key, const std::vector<std::string>& values) {
    w.Key(key);
    w.StartArray();
    for (const auto& v : values) w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    w.EndArray();
}

void put_hooks(Writer& w, const char* key, const std::vector<oci::Hook>& hooks) {
    w.Key(key);
    w.StartArray();
    for (const auto& h : hooks) {
        w.StartObject();
        put(w, "path", h.path);
        put_strings(w, "args", h.args);
        put_strings(w, "env", h.env);
        if (h.timeout) {
            w.Key("timeout");
            w.Int(*h.timeout);
        }
        w.EndObject();
    }
    w.EndArray();
}

std::string get_string(const rapidjson::Value& obj, const char* key) {
    auto it = obj.FindMember(key);
    return it != obj.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                          : std::string();
}

std::vector<std::string> get_strings(const rapidjson::Value& obj, const char* key) {
    std::vector<std::string> out;
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd() || !it->value.IsArray()) return out;
    for (const auto& v : it->value.GetArray()) {
        if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
    }
    return out;
}

// Records from before the driver was kept have none: cgroupfs.
Result<cgroups::Driver> parse_driver(const std::string& name, const std::string& document) {
    if (name.empty()) return cgroups::Driver::cgroupfs;
    if (auto driver = cgroups::driver_from_name(name)) return *driver;
    return Error::msg(document + ": unknown cgroup_driver \"" + name + "\"");
}

std::vector<oci::Hook> get_hooks(const rapidjson::Value& obj, const char* key) {
    std::vector<oci::Hook> out;
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd() || !it->value.IsArray()) return out;
    for (const auto& v : it->value.GetArray()) {
        if (!v.IsObject()) continue;
        oci::Hook hook;
        hook.path = get_string(v, "path");
        hook.args = get_strings(v, "args");
        hook.env = get_strings(v, "env");
        auto t = v.FindMember("timeout");
        if (t != v.MemberEnd() && t->value.IsInt()) hook.timeout = t->value.GetInt();
        out.push_back(std::move(hook));
    }
    return out;
}

}  // namespace

std::string write_record(const Record& r) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    put(w, "id", r.id);
    w.Key("pid");
    w.Int(r.pid);
    w.Key("pid_start_time");
    w.Uint64(r.pid_start_time);
    put(w, "bundle", r.bundle);
    put(w, "rootfs", r.rootfs);
    put(w, "created", r.created);
    put(w, "owner", r.owner);
    w.Key("annotations");
    w.StartObject();
    for (const auto& [k, v] : r.annotations) put(w, k.c_str(), v);
    w.EndObject();
    // "cgroup_path" as berth wrote it before the manager was recorded;
    // "cgroup_driver" is absent for cgroupfs, so older berths read the record.
    put(w, "cgroup_path", r.cgroup.cgroup);
    // Absent (a record of an older berth, or not rootless) is false.
    if (r.cgroup.rootless) {
        w.Key("cgroup_rootless");
        w.Bool(true);
    }
    if (r.cgroup.driver != cgroups::Driver::cgroupfs) {
        put(w, "cgroup_driver", cgroups::driver_name(r.cgroup.driver));
        put(w, "cgroup_unit", r.cgroup.unit);
        if (r.cgroup.user) {
            w.Key("cgroup_systemd_user");
            w.Bool(true);
        }
    }
    put(w, "rdt_group", r.rdt_group);
    put(w, "rdt_remove", r.rdt_remove);
    put_hooks(w, "poststart", r.poststart);
    put_hooks(w, "poststop", r.poststop);
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

Result<Record> parse_record(std::string_view json, const std::string& document) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject()) return Error::msg(document + ": not a valid berth state document");
    Record r;
    r.id = get_string(doc, "id");
    if (auto it = doc.FindMember("pid"); it != doc.MemberEnd() && it->value.IsInt()) r.pid = it->value.GetInt();
    if (auto it = doc.FindMember("pid_start_time"); it != doc.MemberEnd() && it->value.IsUint64()) {
        r.pid_start_time = it->value.GetUint64();
    }
    r.bundle = get_string(doc, "bundle");
    r.rootfs = get_string(doc, "rootfs");
    r.created = get_string(doc, "created");
    r.owner = get_string(doc, "owner");
    if (auto it = doc.FindMember("annotations"); it != doc.MemberEnd() && it->value.IsObject()) {
        for (const auto& m : it->value.GetObject()) {
            if (m.value.IsString()) r.annotations[m.name.GetString()] = m.value.GetString();
        }
    }
    r.cgroup.cgroup = get_string(doc, "cgroup_path");
    BERTH_TRY_ASSIGN(r.cgroup.driver, parse_driver(get_string(doc, "cgroup_driver"), document));
    r.cgroup.unit = get_string(doc, "cgroup_unit");
    if (auto it = doc.FindMember("cgroup_systemd_user"); it != doc.MemberEnd() && it->value.IsBool()) {
        r.cgroup.user = it->value.GetBool();
    }
    if (auto it = doc.FindMember("cgroup_rootless"); it != doc.MemberEnd() && it->value.IsBool()) {
        r.cgroup.rootless = it->value.GetBool();
    }
    r.rdt_group = get_string(doc, "rdt_group");
    r.rdt_remove = get_string(doc, "rdt_remove");
    r.poststart = get_hooks(doc, "poststart");
    r.poststop = get_hooks(doc, "poststop");
    return r;
}

Status save_record(const ContainerDir& dir, const Record& record) {
    return write_file_atomic(dir.fd(), kStateFile, write_record(record), 0600);
}

Status save_config(const ContainerDir& dir, std::string_view config_json) {
    return write_file_atomic(dir.fd(), kConfigFile, config_json, 0600);
}

Result<oci::Spec> load_saved_config(const ContainerDir& dir) { return oci::load_config(dir.file(kConfigFile)); }

Result<Record> load_record(const ContainerDir& dir) {
    std::string path = dir.file(kStateFile);
    UniqueFd fd(::openat(dir.fd(), kStateFile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT) return Error::msg("container does not exist");
        return Error::from_errno("open \"" + path + "\"");
    }
    std::string json;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof(buf));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::from_errno("read \"" + path + "\"");
        if (n == 0) break;
        json.append(buf, static_cast<size_t>(n));
    }
    return parse_record(json, path);
}

std::string rfc3339_nano_now() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    tm utc{};
    ::gmtime_r(&ts.tv_sec, &utc);
    char date[32];
    std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &utc);
    char frac[16];
    std::snprintf(frac, sizeof(frac), ".%09ld", ts.tv_nsec);
    std::string fraction = frac;
    while (!fraction.empty() && (fraction.back() == '0' || fraction.back() == '.')) {
        bool dot = fraction.back() == '.';
        fraction.pop_back();
        if (dot) break;
    }
    return std::string(date) + fraction + "Z";
}

}  // namespace berth::container
