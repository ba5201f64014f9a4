#include "berth/linux/resctrl.hpp"

#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>

#include "berth/util/file.hpp"
#include "berth/util/mountinfo.hpp"
#include "berth/util/scope_guard.hpp"

namespace berth::linux_setup {
namespace {

constexpr long kResctrlMagic = 0x7655821;  // RDTGROUP_SUPER_MAGIC
constexpr const char* kDefaultMount = "/sys/fs/resctrl";

bool exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

Error rdt_error(const std::string& field, const std::string& text) {
    return Error::msg("config.json: linux.intelRdt" + field + ": " + text);
}

// The mount point of the first resctrl in mountinfo (field 5; the type follows " - ").
std::optional<std::string> find_in_mountinfo() {
    auto mounts = read_mountinfo();
    if (!mounts) return std::nullopt;
    for (MountInfo& m : *mounts)
        if (m.fstype == "resctrl") return std::move(m.mountpoint);
    return std::nullopt;
}

// The resctrl root a group lives in: the group itself for closID "/", else its parent.
std::string root_of(const std::string& group) {
    if (exists(group + "/info")) return group;
    return group.substr(0, group.find_last_of('/'));
}

Error with_last_cmd_status(Error err, const std::string& group) {
    auto status = read_file(root_of(group) + "/info/last_cmd_status");
    if (!status) return err;
    std::string text = *status;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return Error::msg(err.what() + ", last_cmd_status: " + text);
}

Status make_dir(const std::string& path, bool& made) {
    made = ::mkdir(path.c_str(), 0755) == 0;
    if (!made && errno != EEXIST) return Error::from_errno("mkdir \"" + path + "\"");
    return {};
}

}  // namespace

std::optional<std::string> resctrl_root() {
    struct statfs fs;
    if (::statfs(kDefaultMount, &fs) == 0 && fs.f_type == kResctrlMagic) return std::string(kDefaultMount);
    return find_in_mountinfo();
}

std::string schemata_text(const std::optional<std::string>& l3, const std::optional<std::string>& mb,
                          const std::vector<std::string>& lines) {
    std::string text;
    auto add = [&text](const std::string& line) {
        if (!line.empty()) text += line + "\n";
    };
    add(l3.value_or(""));
    add(mb.value_or(""));
    for (const std::string& line : lines) add(line);
    return text;
}

Result<RdtPlan> plan_intel_rdt(const oci::IntelRdt& rdt, const std::string& id, const std::optional<std::string>& root) {
    if (!root) return rdt_error("", "intelRdt is specified in config, but Intel RDT is not enabled");
    const std::string clos = rdt.closID.value_or("");
    if (clos == "." || clos == ".." || (clos.size() > 1 && clos.find('/') != std::string::npos))
        return rdt_error(".closID", "invalid intelRdt.ClosID \"" + clos + "\"");
    const bool has_l3 = rdt.l3CacheSchema && !rdt.l3CacheSchema->empty();
    const bool has_mb = rdt.memBwSchema && !rdt.memBwSchema->empty();
    if (has_l3 && !exists(*root + "/info/L3"))
        return rdt_error(".l3CacheSchema", "intelRdt.l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled");
    if (has_mb && !exists(*root + "/info/MB"))
        return rdt_error(".memBwSchema", "intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled");
    // runtime-spec: memBwSchema MUST start with "MB:"; no value may hold a newline (each is one line).
    if (has_mb && rdt.memBwSchema->rfind("MB:", 0) != 0) return rdt_error(".memBwSchema", "must start with \"MB:\"");
    if (has_l3 && rdt.l3CacheSchema->find('\n') != std::string::npos) return rdt_error(".l3CacheSchema", "must be one line");
    if (has_mb && rdt.memBwSchema->find('\n') != std::string::npos) return rdt_error(".memBwSchema", "must be one line");
    for (size_t i = 0; i < rdt.schemata.size(); ++i) {
        if (rdt.schemata[i].find('\n') != std::string::npos)
            return rdt_error(".schemata[" + std::to_string(i) + "]", "must be one line");
    }
    RdtPlan plan;
    plan.group = clos == "/" ? *root : *root + "/" + (clos.empty() ? id : clos);
    plan.schemata = schemata_text(rdt.l3CacheSchema, rdt.memBwSchema, rdt.schemata);
    plan.must_exist = !clos.empty() && plan.schemata.empty();
    plan.removable = clos.empty();
    if (rdt.enableMonitoring.value_or(false)) plan.mon = plan.group + "/mon_groups/" + id;
    return plan;
}

Status write_schemata(const std::string& group, const std::string& text) {
    Status st = write_file(group + "/schemata", text);
    if (!st) return with_last_cmd_status(std::move(st).error().wrap("intelrdt: unable to write schemata"), group);
    return {};
}

Status write_rdt_task(const std::string& group, pid_t pid) {
    Status st = write_file(group + "/tasks", std::to_string(pid));
    if (!st) return with_last_cmd_status(std::move(st).error().wrap("intelrdt: unable to add pid " + std::to_string(pid)), group);
    return {};
}

Result<RdtGroup> apply_intel_rdt(const RdtPlan& plan) {
    if (plan.must_exist && !exists(plan.group))
        return rdt_error(".closID", "clos dir not accessible (must be pre-created when schemata, l3CacheSchema and "
                                    "memBwSchema are empty): \"" + plan.group + "\" does not exist");
    RdtGroup made;
    made.group = plan.group;
    bool made_group = false;
    Status mk = make_dir(plan.group, made_group);
    if (!mk) return std::move(mk).error().wrap("config.json: linux.intelRdt");
    // Only a group we made without a closID goes on delete; a shared one keeps its other tasks.
    if (made_group && plan.removable) made.remove = plan.group;
    ScopeGuard guard([&made] { (void)remove_rdt_group(made); });
    if (!plan.schemata.empty()) {
        Status st = write_schemata(plan.group, plan.schemata);
        if (!st) return std::move(st).error().wrap("config.json: linux.intelRdt");
    }
    if (!plan.mon.empty()) {
        bool made_mon = false;
        mk = make_dir(plan.mon, made_mon);
        if (!mk) return std::move(mk).error().wrap("config.json: linux.intelRdt.enableMonitoring");
        made.mon = plan.mon;
        if (made.remove.empty()) made.remove = plan.mon;  // removing the group takes its MON groups along
    }
    guard.dismiss();
    return made;
}

Status update_intel_rdt(const std::optional<std::string>& root, const std::optional<oci::IntelRdt>& saved,
                        const std::string& group, const std::string& l3, const std::string& mb) {
    if (l3.empty() && mb.empty()) return {};
    if (!l3.empty() && !(root && exists(*root + "/info/L3"))) return Error::msg("Intel RDT/CAT: l3 cache schema is not enabled");
    if (!mb.empty() && !(root && exists(*root + "/info/MB")))
        return Error::msg("Intel RDT/MBA: memory bandwidth schema is not enabled");
    if (!saved || group.empty()) return Error::msg("updating a non-existent Intel RDT configuration is not supported");
    return write_schemata(group, schemata_text(l3.empty() ? saved->l3CacheSchema : l3,
                                               mb.empty() ? saved->memBwSchema : mb, saved->schemata));
}

Status remove_rdt_group(const RdtGroup& group) {
    if (group.remove.empty()) return {};
    if (::rmdir(group.remove.c_str()) != 0 && errno != ENOENT) return Error::from_errno("rmdir \"" + group.remove + "\"");
    return {};
}

}  // namespace berth::linux_setup
