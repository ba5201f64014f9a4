// plan_rootfs(): everything about the root filesystem that can be decided
// before clone. The child receives the result and only makes syscalls.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <linux/magic.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>

#include "berth/linux/mount_cgroup.hpp"
#include "berth/linux/mount_idmap.hpp"
#include "berth/linux/path_in_root.hpp"
#include "berth/linux/rootfs.hpp"
#include "berth/linux/rootless.hpp"
#include "berth/util/file.hpp"
#include "berth/util/mountinfo.hpp"

namespace berth::linux_setup {
namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

const oci::Namespace* find_namespace(const oci::Spec& spec, oci::NamespaceType type) {
    if (!spec.linux) return nullptr;
    for (const auto& ns : spec.linux->namespaces)
        if (ns.type == type) return &ns;
    return nullptr;
}

bool has_namespace(const oci::Spec& spec, oci::NamespaceType type) { return find_namespace(spec, type) != nullptr; }

std::string join_bundle(const std::string& bundle, const std::string& path) {
    if (!path.empty() && path[0] == '/') return path;
    return bundle + "/" + path;
}

Result<uint64_t> mount_id(const std::string& path) {
    struct statx stx {};
    if (::statx(AT_FDCWD, path.c_str(), 0, STATX_MNT_ID, &stx) != 0)
        return Error::from_errno("statx " + quoted(path));
    return stx.stx_mnt_id;
}

std::string parent_dir(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

// The mountpoint of the mount that holds `path` (the path itself when it is a
// mountpoint, as with containerd's overlay rootfs). runc makes it private so
// pivot_root accepts the new root.
Result<std::string> mountpoint_of(const std::string& path) {
    BERTH_TRY_ASSIGN(const uint64_t id, mount_id(path));
    std::string current = path;
    while (current != "/") {
        const std::string up = parent_dir(current);
        BERTH_TRY_ASSIGN(const uint64_t up_id, mount_id(up));
        if (up_id != id) break;
        current = up;
    }
    return current;
}

// runc's checkProcMount: only procfs itself, procfs binds, or these files
// (what lxcfs provides) may be mounted inside /proc (CVE-2019-16884).
bool allowed_inside_proc(const std::string& destination) {
    static constexpr std::array<std::string_view, 10> kAllowed{
        "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",   "/proc/stat",
        "/proc/swaps",   "/proc/uptime",    "/proc/loadavg",   "/proc/slabinfo",
        "/proc/net/dev", "/proc/sys/kernel/ns_last_pid"};
    return std::find(kAllowed.begin(), kAllowed.end(), destination) != kAllowed.end();
}

bool is_procfs(const std::string& path) {
    struct statfs st {};
    return ::statfs(path.c_str(), &st) == 0 && st.f_type == PROC_SUPER_MAGIC;
}

Status check_proc_destination(const PlannedMount& m) {
    const bool inside = m.destination == "/proc" || m.destination.rfind("/proc/", 0) == 0;
    if (!inside) return {};
    if (m.destination == "/proc" && m.kind == MountKind::filesystem && m.type == "proc") return {};
    if (allowed_inside_proc(m.destination)) return {};
    if (m.kind == MountKind::bind && is_procfs(m.source)) return {};
    return Error::msg(quoted(m.destination) + " cannot be mounted because it is inside /proc");
}

// An idmapped bind (runc 1.2+): the mount's own uidMappings/gidMappings (which
// alone make it idmapped, non-recursively), or with idmap/ridmap and none of
// its own the container's user namespace: the one it joins, or one with its
// mappings. The user namespace is made (or opened) here, in the parent.
Status plan_idmap(const oci::Mount& mount, const oci::Spec& spec, PlannedMount& m) {
    const bool own = !mount.uidMappings.empty() || !mount.gidMappings.empty();
    if (!own && !m.options.idmap) return {};
    if (m.kind != MountKind::bind) return Error::msg("id-mapped mounts are only supported for bind-mounts");
    if (::geteuid() != 0) return Error::msg("id-mapped mounts are not supported for rootless containers");
    const oci::Namespace* userns = find_namespace(spec, oci::NamespaceType::user);
    if (!own && userns && userns->path) {
        m.idmap_userns.reset(::open(userns->path->c_str(), O_RDONLY | O_CLOEXEC));
        if (!m.idmap_userns)
            return Error::from_errno("open " + quoted(*userns->path) + " (user namespace for the id-mapping)");
        return {};
    }
    static const std::vector<oci::IDMapping> kNone;
    const auto& uids = own ? mount.uidMappings : userns ? spec.linux->uidMappings : kNone;
    const auto& gids = own ? mount.gidMappings : userns ? spec.linux->gidMappings : kNone;
    if (uids.empty() || gids.empty()) {
        const char* missing = !own ? "uidMappings" : uids.empty() ? "uidMappings" : "gidMappings";
        return Error::msg(std::string(missing) + ": id-mapped mounts must have both uid and gid mappings specified");
    }
    BERTH_TRY_ASSIGN(m.idmap_userns, make_idmap_userns(uids, gids));
    return {};
}

// runc's pathrs.LexicallyStripRoot: a destination spelled with the rootfs'
// host path in front ("<rootfs>/mnt") means that path inside the container.
std::string strip_rootfs(const std::string& destination, const std::string& rootfs) {
    if (destination == rootfs) return "/";
    if (destination.rfind(rootfs + "/", 0) == 0) return destination.substr(rootfs.size());
    return destination;
}

bool inside(const std::string& path, const std::string& dir) { return path.rfind(dir + "/", 0) == 0; }

Result<PlannedMount> plan_mount(const oci::Mount& mount, const oci::Spec& spec, const RootfsOptions& options,
                                const std::string& rootfs) {
    PlannedMount m;
    m.destination = strip_rootfs(clean_path(mount.destination), rootfs);
    BERTH_TRY_ASSIGN(m.options, parse_mount_options(mount.options));
    const std::string type = mount.type.value_or("");
    if (type == "bind") m.options.bind = true;

    // A source under the rootfs may only exist once earlier mounts are made
    // (runc 1.2+ looks bind sources up in the container's mount namespace,
    // mount by mount): the child looks it up then, and decides from what it
    // finds whether the mountpoint is a file or a directory.
    if (m.options.bind) {
        m.kind = MountKind::bind;
        if (!mount.source || mount.source->empty()) return Error::msg("source: required for a bind mount");
        m.source = join_bundle(options.bundle, *mount.source);
        struct stat st {};
        // Both ends, as runc names them: a manager's user does not know the index.
        if (::stat(m.source.c_str(), &st) != 0 && !(errno == ENOENT && inside(clean_path(m.source), rootfs)))
            return Error::from_errno("stat " + quoted(m.source) + " (bind source for " + quoted(m.destination) + ")");
        m.source_is_dir = S_ISDIR(st.st_mode);
    } else if (type == "cgroup" || type == "cgroup2") {
        m.kind = MountKind::cgroup;
        m.type = type;
    } else {
        if (type.empty()) return Error::msg("type: required for a mount that is not a bind mount");
        m.kind = MountKind::filesystem;
        m.type = type;
        m.source = mount.source.value_or(type);
    }
    m.flags = m.options.set_flags | (m.options.remount ? MS_REMOUNT : 0);

    if (m.options.tmpcopyup && m.type != "tmpfs") return Error::msg("options: tmpcopyup needs a tmpfs mount");
    // As runc 1.2+: the kernel ignores filesystem data on a bind, and it
    // cannot be set per mountpoint.
    if (m.kind == MountKind::bind && !m.options.data.empty())
        return Error::msg("options: bind mounts cannot have any filesystem-specific options applied (" +
                          quoted(m.options.data) + ")");
    BERTH_TRY(plan_idmap(mount, spec, m));
    BERTH_TRY(check_proc_destination(m));
    return m;
}

// runc 1.1 passes the mount label to every filesystem it mounts except
// procfs and sysfs (SELinux cannot label them) and mqueue (labelled through
// the xattr of its root after the mount, see mount_apply.cpp). For binds the
// kernel ignores mount data, so they get none.
void apply_mount_label(PlannedMount& m, const std::string& label) {
    if (label.empty() || m.kind != MountKind::filesystem || m.options.remount) return;
    if (m.type == "proc" || m.type == "sysfs" || m.type == "mqueue") return;
    m.options.data = with_mount_label(m.options.data, label);
}

struct DefaultDevice {
    const char* path;
    unsigned major, minor;
};

// runc's default set; /dev/ptmx is a link to pts/ptmx, made separately.
constexpr std::array<DefaultDevice, 6> kDefaultDevices{{
    {"/dev/null", 1, 3}, {"/dev/zero", 1, 5}, {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
}};

Result<PlannedDevice> plan_device(const oci::Device& d) {
    PlannedDevice device;
    device.path = clean_path(d.path);
    if (device.path == "/") return Error::msg("path: empty");
    mode_t type = 0;
    if (d.type == "c" || d.type == "u") type = S_IFCHR;
    else if (d.type == "b") type = S_IFBLK;
    else if (d.type == "p") type = S_IFIFO;
    else return Error::msg("type: unknown device type " + quoted(d.type));
    device.mode = type | (d.fileMode.value_or(0666) & 07777);
    device.rdev = type == S_IFIFO ? 0 : makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
    device.uid = d.uid.value_or(0);
    device.gid = d.gid.value_or(0);
    return device;
}

Result<std::vector<PlannedDevice>> plan_devices(const oci::Spec& spec) {
    std::vector<PlannedDevice> devices;
    std::vector<PlannedDevice> configured;
    if (spec.linux) {
        for (std::size_t i = 0; i < spec.linux->devices.size(); ++i) {
            auto device = plan_device(spec.linux->devices[i]);
            if (!device) return std::move(device).error().wrap("config.json: linux.devices[" + std::to_string(i) + "]");
            configured.push_back(std::move(*device));
        }
    }
    for (const auto& d : kDefaultDevices) {
        const bool overridden = std::any_of(configured.begin(), configured.end(),
                                            [&](const PlannedDevice& c) { return c.path == d.path; });
        if (!overridden) devices.push_back({d.path, S_IFCHR | 0666, makedev(d.major, d.minor), 0, 0});
    }
    // A configured /dev/ptmx is not made either (as runc): it would only be
    // replaced by the link, which a rootless bind mount of the node forbids.
    for (auto& device : configured)
        if (device.path != "/dev/ptmx") devices.push_back(std::move(device));
    return devices;
}

Result<std::vector<CgroupHierarchy>> host_cgroup_v1_hierarchies() {
    BERTH_TRY_ASSIGN(const std::string cgroups, read_file("/proc/cgroups"));
    std::vector<std::string> controllers;
    for (std::string_view line : split_lines(cgroups)) {
        if (line.empty() || line[0] == '#') continue;
        controllers.emplace_back(line.substr(0, line.find('\t')));
    }
    BERTH_TRY_ASSIGN(const std::string_view mountinfo, first_mountinfo());
    return parse_cgroup_v1_mounts(mountinfo, controllers);
}

// The procfs and sysfs mounts showing a whole filesystem (root "/") outside
// the rootfs, in mountinfo order (parents first).
std::vector<std::string> full_kernel_mounts(const std::vector<MountInfo>& mounts, const std::string& rootfs) {
    std::vector<std::string> out;
    for (const MountInfo& m : mounts) {
        if (m.root != "/" || (m.fstype != "proc" && m.fstype != "sysfs")) continue;
        if (m.mountpoint == rootfs || m.mountpoint.rfind(rootfs + "/", 0) == 0) continue;
        out.push_back(m.mountpoint);
    }
    return out;
}

// Each path once (after cleaning "/proc/kcore" and "/proc//kcore" are one):
// a repeated entry would stack a second mount on the first.
void add_once(std::vector<std::string>& paths, const std::string& path) {
    std::string clean = clean_path(path);
    if (std::find(paths.begin(), paths.end(), clean) == paths.end()) paths.push_back(std::move(clean));
}

void plan_paths(const oci::Spec& spec, RootfsPlan& plan) {
    if (!spec.linux) return;
    for (const auto& path : spec.linux->maskedPaths) add_once(plan.masked_paths, path);
    for (const auto& path : spec.linux->readonlyPaths) add_once(plan.readonly_paths, path);
}

}  // namespace

Result<RootfsPlan> plan_rootfs(const oci::Spec& spec, const RootfsOptions& options) {
    RootfsPlan plan;
    if (!spec.root || spec.root->path.empty()) return Error::msg("config.json: root.path: required");
    const std::string root = join_bundle(options.bundle, spec.root->path);
    char resolved[PATH_MAX];
    if (!::realpath(root.c_str(), resolved)) return Error::from_errno("config.json: root.path: realpath " + quoted(root));
    plan.rootfs = resolved;
    // As runc ("invalid rootfs: not an absolute path, or a symlink"): the rootfs is
    // the directory the config names, not whatever a symlink points at (possibly
    // outside the bundle, and swappable between this check and the mounts).
    if (plan.rootfs != clean_path(root)) {
        return Error::msg("config.json: root.path: " + quoted(root) + " is a symlink (to " + quoted(plan.rootfs) + ")");
    }
    struct stat st {};
    if (::stat(plan.rootfs.c_str(), &st) != 0) return Error::from_errno("config.json: root.path: stat " + quoted(plan.rootfs));
    if (!S_ISDIR(st.st_mode)) return Error::msg("config.json: root.path: " + quoted(plan.rootfs) + " is not a directory");
    BERTH_TRY_ASSIGN(plan.rootfs_parent_mount, mountpoint_of(plan.rootfs));
    // Without a mount namespace of its own, as runc: every mount below is made
    // in the runtime's namespace (and stays there), the container is entered
    // with chroot. Masking needs a namespace of its own, and --no-pivot would
    // move the rootfs over the runtime's own "/" (which runc does; we refuse).
    plan.host_mount_namespace = !has_namespace(spec, oci::NamespaceType::mount);
    if (plan.host_mount_namespace) {
        if (spec.linux && (!spec.linux->maskedPaths.empty() || !spec.linux->readonlyPaths.empty()))
            return Error::msg("config.json: linux.namespaces: unable to restrict sys entries without a private MNT namespace");
        if (options.no_pivot)
            return Error::msg("config.json: linux.namespaces: --no-pivot needs a mount namespace (it would move the rootfs over "
                              "the runtime's own \"/\")");
    }
    plan.readonly_root = spec.root->readonly;
    plan.no_pivot = options.no_pivot;
    // berth itself in a user namespace (rootless podman runs the runtime in
    // its own) cannot mknod either, nor mount a sysfs for the host's netns.
    plan.user_namespace = has_namespace(spec, oci::NamespaceType::user) || in_user_namespace();
    plan.cgroup_namespace = has_namespace(spec, oci::NamespaceType::cgroup);
    // Rootless, the parent has no right to enter the child's mount namespace
    // (runc's host-side helper skips a non-root euid too): the container's
    // root binds what it can reach.
    plan.parent_clones_sources = has_namespace(spec, oci::NamespaceType::user) && ::geteuid() == 0;

    // runc makes "/" rslave unless rootfsPropagation says otherwise, and
    // applies rootfsPropagation to the new "/" once more after pivot_root.
    plan.root_propagation = MS_SLAVE | MS_REC;
    if (spec.linux && spec.linux->rootfsPropagation) {
        auto propagation = parse_propagation(*spec.linux->rootfsPropagation);
        if (!propagation) return std::move(propagation).error().wrap("config.json: linux.rootfsPropagation");
        plan.root_propagation = plan.final_propagation = *propagation;
    }
    plan.parent_mount_private = !(plan.root_propagation & MS_REC) || (plan.root_propagation & MS_SHARED);

    if (spec.linux && spec.linux->mountLabel) plan.mount_label = *spec.linux->mountLabel;
    plan.cgroup_tmpfs_data = with_mount_label(plan.cgroup_tmpfs_data, plan.mount_label);

    bool wants_cgroups = false;
    for (std::size_t i = 0; i < spec.mounts.size(); ++i) {
        auto mount = plan_mount(spec.mounts[i], spec, options, plan.rootfs);
        if (!mount) return std::move(mount).error().wrap("config.json: mounts[" + std::to_string(i) + "]");
        apply_mount_label(*mount, plan.mount_label);
        if (mount->kind == MountKind::bind && mount->destination == "/dev") plan.setup_dev = false;
        if (mount->kind == MountKind::filesystem && mount->destination == "/dev" && (mount->flags & MS_RDONLY)) {
            // runc: the devices and links go in first, /dev turns read-only at the end.
            mount->flags &= ~static_cast<unsigned long>(MS_RDONLY);
            plan.readonly_dev = true;
        }
        wants_cgroups = wants_cgroups || mount->kind == MountKind::cgroup;
        plan.mounts.push_back(std::move(*mount));
    }
    if (wants_cgroups) {
        BERTH_TRY_ASSIGN(plan.cgroup_v1, host_cgroup_v1_hierarchies());
        plan.cgroup_unified = {"/sys/fs/cgroup", "/", "", "cgroup"};
    }
    if (plan.setup_dev) {
        BERTH_TRY_ASSIGN(plan.devices, plan_devices(spec));
    }
    plan_paths(spec, plan);
    plan.host_has_kcore = ::access("/proc/kcore", F_OK) == 0;
    if (plan.no_pivot) {
        BERTH_TRY_ASSIGN(const auto mounts, read_mountinfo());
        plan.host_kernel_mounts = full_kernel_mounts(mounts, plan.rootfs);
    }
    return plan;
}

}  // namespace berth::linux_setup
