#include "berth/cgroups/cgroup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <charconv>

#include "berth/cgroups/devices.hpp"
#include "berth/cgroups/devices_v1.hpp"
#include "berth/cgroups/files.hpp"
#include "berth/cgroups/path.hpp"
#include "berth/cgroups/resources.hpp"
#include "berth/cgroups/freezer.hpp"
#include "berth/cgroups/wait.hpp"
#include "berth/util/log.hpp"
#include "berth/util/scope_guard.hpp"

namespace berth::cgroups {
namespace {

void default_sink(const std::string& message) { log::warn(message); }
WarningSink g_sink = default_sink;

std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> out;
    size_t pos = 1;
    while (pos < path.size()) {
        size_t end = path.find('/', pos);
        if (end == std::string::npos) end = path.size();
        out.push_back(path.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

std::string parent_of(const std::string& dir) { return dir.substr(0, dir.rfind('/')); }

// mkdir -p under `root`; returns how many trailing components it made and
// appends each directory it made (parents first) to `made_dirs`. With
// `leaf_first` the leaf is tried alone first (usually only it is missing: one
// mkdir); once a parent was missing too, it is cleared so the next hierarchies
// (laid out alike) go top-down without the failing try.
Result<int> make_chain(const std::string& root, const std::vector<std::string>& parts,
                       std::vector<std::string>& made_dirs, bool& leaf_first) {
    std::string dir = root;
    if (leaf_first) {
        for (const auto& part : parts) dir += "/" + part;
        if (::mkdir(dir.c_str(), 0755) == 0) {
            made_dirs.push_back(dir);
            return 1;
        }
        if (errno == EEXIST) return 0;
        if (errno != ENOENT) return Error::from_errno("mkdir \"" + dir + "\"");
        leaf_first = false;
        dir = root;
    }
    int made = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
        dir += "/" + parts[i];
        if (::mkdir(dir.c_str(), 0755) == 0) {
            made_dirs.push_back(dir);
            if (made == 0) made = static_cast<int>(parts.size() - i);
        } else if (errno != EEXIST) {
            return Error::from_errno("mkdir \"" + dir + "\"");
        }
    }
    return made;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// A new v1 cpuset cgroup has empty cpus/mems and refuses tasks (ENOSPC):
// inherit the parent's, top-down. A level we found is read (and filled only if
// empty); a level we made gets the values just read or written above it.
Status init_cpuset(const std::string& root, const std::vector<std::string>& parts,
                   const std::vector<std::string>& made_dirs) {
    const char* files[] = {"cpuset.cpus", "cpuset.mems"};
    std::string dir = root;
    std::string values[2];  // of the level above, once known
    for (const auto& part : parts) {
        std::string parent = dir;
        dir += "/" + part;
        bool made = contains(made_dirs, dir);
        for (int i = 0; i < 2; ++i) {
            if (!made) {
                BERTH_TRY_ASSIGN(std::string mine, read_line(dir + "/" + files[i]));
                if (!mine.empty()) {
                    values[i] = std::move(mine);
                    continue;
                }
            }
            if (values[i].empty()) {
                BERTH_TRY_ASSIGN(values[i], read_line(parent + "/" + files[i]));
            }
            BERTH_TRY(write_file(dir + "/" + files[i], values[i]));
        }
    }
    return {};
}

// v2: every controller available to the parent is enabled for its children, in
// each level below the hierarchy root (the root belongs to the host). Failures
// are left for apply() to report when a resource needs the missing controller.
void enable_controllers(const std::string& root, const std::vector<std::string>& parts) {
    std::string dir = root;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        dir += "/" + parts[i];
        auto available = read_line(dir + "/cgroup.controllers");
        auto enabled = read_line(dir + "/cgroup.subtree_control");
        if (!available || !enabled) return;
        std::string wanted;
        size_t pos = 0;
        const std::string& a = *available;
        while (pos < a.size()) {
            size_t end = a.find(' ', pos);
            if (end == std::string::npos) end = a.size();
            std::string c = a.substr(pos, end - pos);
            if (!c.empty() && (" " + *enabled + " ").find(" " + c + " ") == std::string::npos)
                (void)write_file(dir + "/cgroup.subtree_control", "+" + c);
            pos = end + 1;
        }
    }
}

// cgroup v2 places processes only in a domain cgroup without controllers
// enabled for its children; clone3(CLONE_INTO_CGROUP) would fail with a bare
// EOPNOTSUPP / EBUSY otherwise, so say why before cloning.
Status check_v2_leaf(const std::string& dir) {
    BERTH_TRY_ASSIGN(std::string type, read_line(dir + "/cgroup.type"));
    if (type == "threaded" || type == "domain invalid")
        return Error::msg("cgroup \"" + dir + "\" is \"" + type +
                          "\" (cgroup.type): a container's init needs a domain cgroup, not one in a threaded subtree");
    BERTH_TRY_ASSIGN(std::string enabled, read_line(dir + "/cgroup.subtree_control"));
    if (!enabled.empty())
        return Error::msg("cgroup \"" + dir + "\" has controllers enabled for its children (cgroup.subtree_control \"" +
                          enabled + "\"): cgroup v2 allows no processes in it");
    return {};
}

Status remove_tree(const std::string& dir) {
    // Usually a leaf: one rmdir, no directory listing. cgroupfs answers EBUSY
    // for sub-cgroups (and for tasks not yet reaped).
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
    if (errno == EBUSY || errno == ENOTEMPTY) {
        DIR* d = ::opendir(dir.c_str());
        if (!d) return errno == ENOENT ? Status{} : Error::from_errno("opendir \"" + dir + "\"");
        std::vector<std::string> children;
        while (dirent* e = ::readdir(d)) {
            std::string_view name = e->d_name;
            if (e->d_type == DT_DIR && name != "." && name != "..") children.emplace_back(name);
        }
        ::closedir(d);
        for (const auto& child : children) BERTH_TRY(remove_tree(dir + "/" + child));
    }
    // A killed task stays charged to the cgroup until it is reaped: EBUSY for a moment.
    bool removed = wait_until([&] { return ::rmdir(dir.c_str()) == 0 || errno == ENOENT || errno != EBUSY; });
    if (!removed || (::access(dir.c_str(), F_OK) == 0)) return Error::sys(EBUSY, "rmdir \"" + dir + "\"");
    return {};
}

Status read_procs(const std::string& dir, std::vector<pid_t>& out) {
    auto text = read_file(dir + "/cgroup.procs");
    if (!text) return text.error().code() == ENOENT ? Status{} : Status(std::move(text).error());
    const char* p = text->data();
    const char* end = p + text->size();
    while (p < end) {
        pid_t pid = 0;
        auto [next, ec] = std::from_chars(p, end, pid);
        if (ec == std::errc()) out.push_back(pid);
        p = next;
        while (p < end && (*p == '\n' || *p == ' ')) ++p;
        if (ec != std::errc()) ++p;
    }
    DIR* d = ::opendir(dir.c_str());
    if (!d) return {};
    std::vector<std::string> children;
    while (dirent* e = ::readdir(d)) {
        std::string_view name = e->d_name;
        if (e->d_type == DT_DIR && name != "." && name != "..") children.emplace_back(name);
    }
    ::closedir(d);
    for (const auto& child : children) BERTH_TRY(read_procs(dir + "/" + child, out));
    return {};
}

}  // namespace

void set_warning_sink(WarningSink sink) { g_sink = sink ? sink : default_sink; }
void warn(const std::string& message) { g_sink(message); }

Result<Cgroup> Cgroup::create(std::string_view cgroups_path, std::string_view container_id,
                              const oci::Resources* resources, bool rootless) {
    BERTH_TRY_ASSIGN(std::string path, resolve_cgroups_path(cgroups_path, container_id));
    BERTH_TRY_ASSIGN(Hierarchies h, host_hierarchies());
    Cgroup cg(std::move(h), std::move(path), 0);
    // A failed create removes exactly the directories it made (nothing runs in
    // them yet) and leaves the ones it found alone.
    ScopeGuard rollback([&cg] {
        for (auto it = cg.made_dirs_.rbegin(); it != cg.made_dirs_.rend(); ++it) ::rmdir(it->c_str());
    });
    BERTH_TRY(cg.make_dirs(rootless));
    // The default /<id> is the container's alone: never adopt (and on delete
    // kill and remove) a cgroup that someone else made under that name.
    if (cgroups_path.empty())
        for (const auto& dir : cg.dirs())
            if (!contains(cg.made_dirs_, dir))
                return Error::sys(EEXIST, "cgroup \"" + dir + "\" already exists, not made for this container (set linux.cgroupsPath to use an existing cgroup)");
    if (cg.layout() == Layout::unified) BERTH_TRY(check_v2_leaf(cg.unified_dir()));
    // As runc: a frozen cgroup would stop the init before it could run.
    auto frozen = cg.freezer_state();
    if (frozen && *frozen == FreezerState::frozen) return Error::msg("container's cgroup unexpectedly frozen");
    // As runc 1.2+: a cgroup that already has processes is refused (runc 1.1
    // only warned). `delete` kills everything in the container's cgroup, and
    // `kill KILL` without a pid namespace of its own too: that would take
    // whoever else lives there. A directory we just made is empty.
    if (!contains(cg.made_dirs_, cg.procs_dir())) {
        BERTH_TRY_ASSIGN(auto pids, cg.pids());
        if (!pids.empty())
            return Error::msg("container's cgroup is not empty: " + std::to_string(pids.size()) + " process(es) found");
    }
    // runc's rootless managers ignore the device rules' errors: a user
    // delegated a cgroup still may not write devices.deny (v1) or attach a
    // device program (v2); the user namespace keeps device nodes out anyway.
    if (rootless) {
        BERTH_TRY(cg.apply_devices_best_effort(resources));
        if (resources) BERTH_TRY(cg.apply_resources(*resources));
    } else {
        BERTH_TRY(cg.apply_initial(resources));
    }
    rollback.dismiss();
    return cg;
}

Result<Cgroup> Cgroup::existing(std::string path) {
    BERTH_TRY_ASSIGN(Hierarchies h, host_hierarchies());
    return Cgroup(std::move(h), clean_path(path), 0);
}

Status Cgroup::apply_devices_best_effort(const oci::Resources* resources) const {
    static const std::vector<oci::DeviceCgroup> kNoRules;
    Status st = apply_devices(resources ? resources->devices : kNoRules);
    if (!st && st.error().code() != EPERM && st.error().code() != EACCES) return st;
    return {};
}

Status Cgroup::apply_initial(const oci::Resources* resources) const {
    static const std::vector<oci::DeviceCgroup> kNoRules;
    BERTH_TRY(apply_devices(resources ? resources->devices : kNoRules));
    return resources ? apply_resources(*resources) : Status{};
}

Status Cgroup::make_dirs(bool rootless) {
    auto parts = components(path_);
    bool leaf_first = true;
    auto make_all = [&]() -> Status {
        for (const auto& dir : dirs()) {
            auto made = make_chain(dir.substr(0, dir.size() - path_.size()), parts, made_dirs_, leaf_first);
            if (!made && rootless && h_.layout == Layout::hybrid && dir == unified_dir() &&
                (made.error().code() == EACCES || made.error().code() == EPERM || made.error().code() == EROFS)) {
                h_.unified.clear();
                continue;
            }
            if (!made) return std::move(made).error();
            created_ = std::max(created_, *made);
        }
        return {};
    };
    // Another container's delete may rmdir a shared parent between our mkdirs.
    Status st = make_all();
    for (int attempt = 0; !st && st.error().code() == ENOENT && attempt < 5; ++attempt) st = make_all();
    BERTH_TRY(st);
    if (const Hierarchy* cpuset = h_.v1_for("cpuset")) BERTH_TRY(init_cpuset(cpuset->mountpoint, parts, made_dirs_));
    if (!h_.unified.empty()) enable_controllers(h_.unified, parts);
    return {};
}

Result<Cgroup> Cgroup::load(std::string_view saved) {
    // "<layout> <created> <path>"
    size_t a = saved.find(' ');
    size_t b = a == std::string_view::npos ? a : saved.find(' ', a + 1);
    if (b == std::string_view::npos) return Error::msg("invalid saved cgroup \"" + std::string(saved) + "\"");
    std::string_view layout = saved.substr(0, a);
    int created = 0;
    auto num = saved.substr(a + 1, b - a - 1);
    if (std::from_chars(num.data(), num.data() + num.size(), created).ec != std::errc())
        return Error::msg("invalid saved cgroup \"" + std::string(saved) + "\"");
    std::string path = clean_path(saved.substr(b + 1));
    if (path == "/") return Error::msg("invalid saved cgroup \"" + std::string(saved) + "\": the root");
    BERTH_TRY_ASSIGN(Hierarchies h, host_hierarchies());
    if (layout != layout_name(h.layout))
        return Error::msg("cgroup layout changed since create: saved " + std::string(layout) + ", host is " +
                          layout_name(h.layout));
    if (h.layout == Layout::hybrid && !h.unified.empty() && ::access((h.unified + path).c_str(), F_OK) != 0 &&
        errno == ENOENT)
        h.unified.clear();
    return Cgroup(std::move(h), std::move(path), created);
}

std::string Cgroup::saved() const {
    return std::string(layout_name(h_.layout)) + " " + std::to_string(created_) + " " + path_;
}

std::string Cgroup::v1_dir(std::string_view controller) const {
    const Hierarchy* h = h_.v1_for(controller);
    return h ? h->mountpoint + path_ : std::string();
}

std::string Cgroup::unified_dir() const { return h_.unified.empty() ? std::string() : h_.unified + path_; }

std::vector<std::string> Cgroup::dirs() const {
    std::vector<std::string> out = v1_controller_dirs(h_, path_);
    if (!h_.systemd.empty() && h_.layout != Layout::unified) out.push_back(h_.systemd + path_);
    if (!h_.unified.empty()) out.push_back(unified_dir());
    return out;
}

std::string Cgroup::procs_dir() const {
    if (h_.layout == Layout::unified) return unified_dir();
    for (const char* c : {"pids", "freezer", "memory", "cpu"})
        if (auto d = v1_dir(c); !d.empty()) return d;
    return h_.v1.front().mountpoint + path_;
}

Status Cgroup::add_process(pid_t pid) const {
    std::string value = std::to_string(pid);
    for (const auto& dir : dirs()) {
        Status st = write_file(dir + "/cgroup.procs", value);
        if (st) continue;
        if (st.error().code() == EOPNOTSUPP)
            return std::move(st).error().wrap("cgroup \"" + dir + "\" is threaded; a container's init needs a domain cgroup");
        if (st.error().code() == EBUSY)
            return std::move(st).error().wrap("cgroup \"" + dir + "\" has controllers enabled for children (no internal processes)");
        return st;
    }
    return {};
}

Status Cgroup::join_v1_layout(pid_t pid) const {
    const auto parts = components(path_);
    const auto v1_dirs = v1_controller_dirs(h_, path_);
    std::vector<std::string> made;
    bool leaf_first = true;
    for (const auto& dir : v1_dirs)
        BERTH_TRY(make_chain(dir.substr(0, dir.size() - path_.size()), parts, made, leaf_first));
    if (const Hierarchy* cpuset = h_.v1_for("cpuset")) BERTH_TRY(init_cpuset(cpuset->mountpoint, parts, made));
    std::vector<std::string> order;
    if (!h_.systemd.empty()) order.push_back(h_.systemd + path_);
    if (!h_.unified.empty()) order.push_back(unified_dir());
    order.insert(order.end(), v1_dirs.begin(), v1_dirs.end());
    const std::string value = std::to_string(pid);
    for (const auto& dir : order) BERTH_TRY(write_file(dir + "/cgroup.procs", value));
    return {};
}

Result<std::vector<pid_t>> Cgroup::pids() const {
    std::vector<pid_t> out;
    BERTH_TRY(read_procs(procs_dir(), out));
    return out;
}

Status Cgroup::apply(const oci::Resources& resources, bool rootless) const {
    if (!resources.devices.empty())
        BERTH_TRY(rootless ? apply_devices_best_effort(&resources) : apply_devices(resources.devices));
    return apply_resources(resources);
}

Status Cgroup::apply_resources(const oci::Resources& resources) const {
    return layout() == Layout::unified ? apply_v2(unified_dir(), resources) : apply_v1(*this, resources);
}

Status Cgroup::apply_devices(const std::vector<oci::DeviceCgroup>& rules) const {
    if (layout() == Layout::unified) {
        BERTH_TRY_ASSIGN(auto program, compile_device_filter(with_default_devices(rules)));
        return attach_device_filter(unified_dir(), program);
    }
    std::string dir = v1_dir("devices");
    if (dir.empty()) {
        // Without the controller only an explicit rule is an error.
        if (rules.empty()) return {};
        return Error::msg("linux.resources.devices: the devices cgroup controller is not mounted on this host");
    }
    return apply_v1_devices(dir, with_default_devices(rules));
}

Status Cgroup::freeze() const { return set_frozen(*this, true); }
Status Cgroup::thaw() const { return set_frozen(*this, false); }
Result<FreezerState> Cgroup::freezer_state() const { return read_frozen(*this); }

Status Cgroup::signal_all(int sig) const {
    std::string kill_file = h_.layout == Layout::unified ? unified_dir() + "/cgroup.kill" : std::string();
    if (sig == SIGKILL && !kill_file.empty() && ::access(kill_file.c_str(), W_OK) == 0)
        return write_file(kill_file, "1");
    auto before = freezer_state();
    bool froze = before && *before == FreezerState::thawed && freeze();
    BERTH_TRY_ASSIGN(auto pids, this->pids());
    for (pid_t pid : pids)
        if (::kill(pid, sig) != 0 && errno != ESRCH) return Error::from_errno("kill " + std::to_string(pid));
    // A frozen task only dies once thawed; otherwise restore what we found.
    if (froze || (sig == SIGKILL && before && *before == FreezerState::frozen)) BERTH_TRY(thaw());
    return {};
}

Status Cgroup::kill_all() const {
    auto pids = this->pids();
    if (!pids || pids->empty()) return {};
    BERTH_TRY(signal_all(SIGKILL));
    wait_until([&] {
        auto left = this->pids();
        return !left || left->empty();
    });
    return {};
}

Status Cgroup::destroy() const {
    BERTH_TRY(kill_all());
    for (const auto& dir : dirs()) {
        BERTH_TRY(remove_tree(dir));
        // Ancestors we made, if no other container lives in them now.
        std::string up = dir;
        for (int i = 1; i < created_; ++i) {
            up = parent_of(up);
            if (::rmdir(up.c_str()) != 0 && errno != ENOENT) break;
        }
    }
    return {};
}

}  // namespace berth::cgroups
