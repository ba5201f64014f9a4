// plan_rootfs() on real client configs and on the error cases it must refuse.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>

#include "berth/linux/mount_cgroup.hpp"
#include "berth/linux/path_in_root.hpp"
#include "berth/linux/rootfs.hpp"
#include "oci/parser.hpp"

namespace berth::linux_setup {
namespace {

namespace fs = std::filesystem;

// A bundle directory with a rootfs; bind sources of real configs are
// recreated under it (files stay files, directories stay directories).
class Bundle {
public:
    Bundle() {
        char tmpl[] = "/tmp/berth-rootfs-plan-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        fs::create_directories(dir_ + "/rootfs");
    }
    ~Bundle() { fs::remove_all(dir_); }
    const std::string& dir() const { return dir_; }

    // Points root.path and every bind source of `spec` into this bundle.
    void adopt(oci::Spec& spec) {
        spec.root->path = "rootfs";
        int n = 0;
        for (auto& m : spec.mounts) {
            const bool bind = m.type == "bind" ||
                              std::find(m.options.begin(), m.options.end(), "bind") != m.options.end() ||
                              std::find(m.options.begin(), m.options.end(), "rbind") != m.options.end();
            if (!bind) continue;
            const std::string source = dir_ + "/src" + std::to_string(n++);
            if (m.destination == "/dev/shm") fs::create_directories(source);
            else std::ofstream(source) << "x";
            m.source = source;
        }
    }

private:
    std::string dir_;
};

oci::Spec load(const std::string& name) {
    auto spec = oci::load_config(std::string(BERTH_TEST_DATA) + "/configs/" + name);
    EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().what());
    return spec.ok() ? *spec : oci::Spec{};
}

const PlannedMount* find(const RootfsPlan& plan, const std::string& destination, MountKind kind) {
    for (const auto& m : plan.mounts)
        if (m.destination == destination && m.kind == kind) return &m;
    return nullptr;
}

RootfsPlan plan_config(const std::string& name, Bundle& bundle) {
    oci::Spec spec = load(name);
    bundle.adopt(spec);
    auto plan = plan_rootfs(spec, {bundle.dir(), false});
    EXPECT_TRUE(plan.ok()) << name << ": " << (plan.ok() ? "" : plan.error().what());
    return plan.ok() ? std::move(*plan) : RootfsPlan{};
}

TEST(RootfsPlan, EveryRealConfigPlansWithItsMountsInOrder) {
    for (const char* name : {"containerd-cri-a.json", "containerd-cri-b.json", "containerd-ctr.json", "docker-largest.json",
                             "docker-smallest.json", "podman-largest.json", "podman-smallest.json",
                             "runc-spec-default.json"}) {
        Bundle bundle;
        oci::Spec spec = load(name);
        const RootfsPlan plan = plan_config(name, bundle);
        ASSERT_EQ(plan.mounts.size(), spec.mounts.size()) << name;
        for (std::size_t i = 0; i < spec.mounts.size(); ++i)
            EXPECT_EQ(plan.mounts[i].destination, spec.mounts[i].destination) << name << " mount " << i;
        EXPECT_EQ(plan.rootfs, fs::canonical(bundle.dir() + "/rootfs").string()) << name;
        EXPECT_EQ(plan.masked_paths.size(), spec.linux->maskedPaths.size()) << name;
        EXPECT_EQ(plan.readonly_paths.size(), spec.linux->readonlyPaths.size()) << name;
        EXPECT_EQ(plan.root_propagation, static_cast<unsigned long>(MS_SLAVE | MS_REC)) << name;
        EXPECT_EQ(plan.final_propagation, 0u) << name;
        EXPECT_TRUE(plan.setup_dev) << name;
        EXPECT_FALSE(plan.user_namespace) << name;
    }
}

// A path listed twice (or spelled two ways) is masked once: a second mount
// would stack on the first.
TEST(RootfsPlan, RepeatedMaskedAndReadonlyPathsArePlannedOnce) {
    Bundle bundle;
    oci::Spec spec = load("runc-spec-default.json");
    bundle.adopt(spec);
    spec.linux->maskedPaths = {"/proc/kcore", "/proc//kcore", "/proc/kcore/", "/proc/keys"};
    spec.linux->readonlyPaths = {"/proc/sys", "/proc/sys"};
    auto plan = plan_rootfs(spec, {bundle.dir(), false});
    ASSERT_TRUE(plan.ok()) << plan.error().what();
    EXPECT_EQ(plan->masked_paths, (std::vector<std::string>{"/proc/kcore", "/proc/keys"}));
    EXPECT_EQ(plan->readonly_paths, std::vector<std::string>{"/proc/sys"});
}

TEST(RootfsPlan, RuncDefaultSpec) {
    Bundle bundle;
    const RootfsPlan plan = plan_config("runc-spec-default.json", bundle);
    EXPECT_TRUE(plan.readonly_root);
    const PlannedMount* proc = find(plan, "/proc", MountKind::filesystem);
    ASSERT_NE(proc, nullptr);
    EXPECT_EQ(proc->type, "proc");
    EXPECT_EQ(proc->flags, 0u);
    const PlannedMount* pts = find(plan, "/dev/pts", MountKind::filesystem);
    ASSERT_NE(pts, nullptr);
    EXPECT_EQ(pts->flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC));
    EXPECT_EQ(pts->options.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
    const PlannedMount* sys = find(plan, "/sys", MountKind::filesystem);
    ASSERT_NE(sys, nullptr);
    EXPECT_EQ(sys->flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY));
    const PlannedMount* cgroup = find(plan, "/sys/fs/cgroup", MountKind::cgroup);
    ASSERT_NE(cgroup, nullptr);
    EXPECT_TRUE(cgroup->flags & MS_RDONLY);
    EXPECT_TRUE(cgroup->flags & MS_RELATIME);
    // The six default devices, in runc's order.
    ASSERT_EQ(plan.devices.size(), 6u);
    EXPECT_EQ(plan.devices[0].path, "/dev/null");
    EXPECT_EQ(plan.devices[0].rdev, makedev(1, 3));
    EXPECT_EQ(plan.devices[0].mode, static_cast<mode_t>(S_IFCHR | 0666));
    EXPECT_EQ(plan.devices[5].path, "/dev/tty");
    EXPECT_EQ(plan.devices[5].rdev, makedev(5, 0));
}

// runc makes the rootfs's parent mount private only when it may still be
// shared after "/" got its propagation; otherwise the container's "/" stays a
// slave of the host's mount (Docker's data root is shared).
TEST(RootfsPlan, ParentMountTurnsPrivateOnlyWhenItMayStillBeShared) {
    for (const auto& [propagation, expected] : std::vector<std::pair<std::string, bool>>{
             {"", false}, {"rslave", false}, {"rprivate", false}, {"runbindable", false},
             {"rshared", true}, {"shared", true}, {"slave", true}, {"private", true}}) {
        Bundle bundle;
        oci::Spec spec = load("runc-spec-default.json");
        bundle.adopt(spec);
        if (!propagation.empty()) spec.linux->rootfsPropagation = propagation;
        auto plan = plan_rootfs(spec, {bundle.dir(), false});
        ASSERT_TRUE(plan.ok()) << plan.error().what();
        EXPECT_EQ(plan->parent_mount_private, expected) << "rootfsPropagation \"" << propagation << "\"";
    }
}

TEST(RootfsPlan, DockerBindsAndCgroups) {
    Bundle bundle;
    const RootfsPlan plan = plan_config("docker-largest.json", bundle);
    const PlannedMount* init = find(plan, "/sbin/docker-init", MountKind::bind);
    ASSERT_NE(init, nullptr);
    EXPECT_FALSE(init->source_is_dir);
    EXPECT_FALSE(init->options.recursive_bind);
    EXPECT_EQ(init->options.bind_attr_change().set, static_cast<uint64_t>(MOUNT_ATTR_RDONLY));
    const PlannedMount* hosts = find(plan, "/etc/hosts", MountKind::bind);
    ASSERT_NE(hosts, nullptr);
    EXPECT_TRUE(hosts->options.recursive_bind);
    EXPECT_EQ(hosts->options.propagation, std::vector<unsigned long>{MS_PRIVATE | MS_REC});
    const PlannedMount* shm = find(plan, "/dev/shm", MountKind::filesystem);
    ASSERT_NE(shm, nullptr);
    EXPECT_EQ(shm->source, "shm");
    EXPECT_EQ(shm->options.data, "mode=1777,size=67108864");
    ASSERT_NE(find(plan, "/sys/fs/cgroup", MountKind::cgroup), nullptr);
}

TEST(RootfsPlan, PodmanShmBindIsADirectoryWithFlags) {
    Bundle bundle;
    const RootfsPlan plan = plan_config("podman-largest.json", bundle);
    const PlannedMount* shm = find(plan, "/dev/shm", MountKind::bind);
    ASSERT_NE(shm, nullptr);
    EXPECT_TRUE(shm->source_is_dir);
    EXPECT_FALSE(shm->options.recursive_bind);
    EXPECT_EQ(shm->options.bind_attr_change().set,
              static_cast<uint64_t>(MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODEV));
}

// ---- hand-made specs ---------------------------------------------------

oci::Spec minimal_spec() {
    oci::Spec spec;
    spec.root = oci::Root{"rootfs", false};
    spec.linux = oci::Linux{};
    spec.linux->namespaces.push_back({oci::NamespaceType::mount, std::nullopt});
    return spec;
}

oci::Mount make_mount(std::string destination, std::optional<std::string> type, std::optional<std::string> source,
                      std::vector<std::string> options) {
    oci::Mount m;
    m.destination = std::move(destination);
    m.type = std::move(type);
    m.source = std::move(source);
    m.options = std::move(options);
    return m;
}

std::string plan_error(const oci::Spec& spec, const Bundle& bundle) {
    auto plan = plan_rootfs(spec, {bundle.dir(), false});
    return plan.ok() ? "" : plan.error().what();
}

TEST(RootfsPlan, RelativeBindSourceResolvesAgainstTheBundle) {
    Bundle bundle;
    fs::create_directories(bundle.dir() + "/data");
    oci::Spec spec = minimal_spec();
    spec.mounts.push_back(make_mount("data/../vol/", std::nullopt, "data", {"rbind", "rro"}));
    auto plan = plan_rootfs(spec, {bundle.dir(), true});
    ASSERT_TRUE(plan.ok()) << plan.error().what();
    EXPECT_EQ(plan->mounts[0].source, bundle.dir() + "/data");
    EXPECT_EQ(plan->mounts[0].destination, "/vol");
    EXPECT_TRUE(plan->mounts[0].source_is_dir);
    EXPECT_EQ(plan->mounts[0].options.recursive.set, static_cast<uint64_t>(MOUNT_ATTR_RDONLY));
    EXPECT_TRUE(plan->no_pivot);
}

TEST(RootfsPlan, BindOfDevSkipsDeviceSetup) {
    Bundle bundle;
    oci::Spec spec = minimal_spec();
    spec.mounts.push_back(make_mount("/dev", "bind", "/dev", {"rbind"}));
    auto plan = plan_rootfs(spec, {bundle.dir(), false});
    ASSERT_TRUE(plan.ok()) << plan.error().what();
    EXPECT_FALSE(plan->setup_dev);
    EXPECT_TRUE(plan->devices.empty());
}

TEST(RootfsPlan, ConfigDevicesOverrideDefaultsAndNamespacesAreRead) {
    Bundle bundle;
    oci::Spec spec = minimal_spec();
    spec.linux->devices.push_back({"c", "/dev/null", 1, 3, 0600, 1000, 1000});
    spec.linux->devices.push_back({"b", "/dev/loop0", 7, 0, std::nullopt, std::nullopt, std::nullopt});
    spec.linux->devices.push_back({"p", "/dev/fifo", 0, 0, 0644, std::nullopt, std::nullopt});
    // not made: /dev/ptmx is always the link to pts/ptmx (as runc)
    spec.linux->devices.push_back({"c", "/dev/ptmx", 5, 2, std::nullopt, std::nullopt, std::nullopt});
    spec.linux->namespaces.push_back({oci::NamespaceType::user, std::nullopt});
    spec.linux->namespaces.push_back({oci::NamespaceType::cgroup, std::nullopt});
    spec.linux->rootfsPropagation = "rshared";
    auto plan = plan_rootfs(spec, {bundle.dir(), false});
    ASSERT_TRUE(plan.ok()) << plan.error().what();
    ASSERT_EQ(plan->devices.size(), 8u);  // five defaults left + three configured
    EXPECT_EQ(plan->devices[5].path, "/dev/null");
    EXPECT_EQ(plan->devices[5].mode, static_cast<mode_t>(S_IFCHR | 0600));
    EXPECT_EQ(plan->devices[5].uid, 1000u);
    EXPECT_EQ(plan->devices[6].mode, static_cast<mode_t>(S_IFBLK | 0666));
    EXPECT_EQ(plan->devices[6].rdev, makedev(7, 0));
    EXPECT_EQ(plan->devices[7].mode, static_cast<mode_t>(S_IFIFO | 0644));
    EXPECT_TRUE(plan->user_namespace);
    EXPECT_TRUE(plan->cgroup_namespace);
    EXPECT_EQ(plan->root_propagation, static_cast<unsigned long>(MS_SHARED | MS_REC));
    EXPECT_EQ(plan->final_propagation, static_cast<unsigned long>(MS_SHARED | MS_REC));
}

TEST(RootfsPlan, Refusals) {
    Bundle bundle;
    const auto with_mount = [](oci::Mount m) {
        oci::Spec spec = minimal_spec();
        spec.mounts.push_back(std::move(m));
        return spec;
    };
    EXPECT_EQ(plan_error(with_mount(make_mount("/x", "bind", "/nonexistent-berth", {"rbind"})), bundle),
              "config.json: mounts[0]: stat \"/nonexistent-berth\" (bind source for \"/x\"): No such file or directory");
    EXPECT_EQ(plan_error(with_mount(make_mount("/x", std::nullopt, "x", {})), bundle),
              "config.json: mounts[0]: type: required for a mount that is not a bind mount");
    EXPECT_EQ(plan_error(with_mount(make_mount("/x", "proc", "proc", {"tmpcopyup"})), bundle),
              "config.json: mounts[0]: options: tmpcopyup needs a tmpfs mount");
    EXPECT_EQ(plan_error(with_mount(make_mount("/x", "tmpfs", "tmpfs", {"idmap"})), bundle),
              "config.json: mounts[0]: id-mapped mounts are only supported for bind-mounts");
    // runc 1.2+: idmap without mappings takes the container's user namespace; there is none.
    EXPECT_EQ(plan_error(with_mount(make_mount("/x", "bind", "/tmp", {"rbind", "idmap"})), bundle),
              "config.json: mounts[0]: uidMappings: id-mapped mounts must have both uid and gid mappings specified");
    oci::Mount mapped = make_mount("/x", "bind", "/tmp", {"rbind"});
    mapped.uidMappings.push_back({0, 1000, 1});
    EXPECT_EQ(plan_error(with_mount(mapped), bundle),
              "config.json: mounts[0]: gidMappings: id-mapped mounts must have both uid and gid mappings specified");
    EXPECT_EQ(plan_error(with_mount(make_mount("/x", "bind", "/tmp", {"rbind", "size=1m", "ro"})), bundle),
              "config.json: mounts[0]: options: bind mounts cannot have any filesystem-specific options applied (\"size=1m\")");
    oci::Mount mapped_tmpfs = make_mount("/x", "tmpfs", "tmpfs", {});
    mapped_tmpfs.gidMappings.push_back({0, 1000, 1});
    EXPECT_EQ(plan_error(with_mount(mapped_tmpfs), bundle), "config.json: mounts[0]: id-mapped mounts are only supported for bind-mounts");
    // CVE-2019-16884: only procfs (or lxcfs-style files) inside /proc.
    EXPECT_EQ(plan_error(with_mount(make_mount("/proc/self/attr", "tmpfs", "tmpfs", {})), bundle),
              "config.json: mounts[0]: \"/proc/self/attr\" cannot be mounted because it is inside /proc");
    EXPECT_EQ(plan_error(with_mount(make_mount("/proc", "tmpfs", "tmpfs", {})), bundle),
              "config.json: mounts[0]: \"/proc\" cannot be mounted because it is inside /proc");
    EXPECT_EQ(plan_error(with_mount(make_mount("/proc/cpuinfo", "bind", "/etc/hostname", {"bind"})), bundle), "");
    EXPECT_EQ(plan_error(with_mount(make_mount("/proc/sys", "bind", "/proc/sys", {"rbind"})), bundle), "");

    oci::Spec device = minimal_spec();
    device.linux->devices.push_back({"x", "/dev/bad", 1, 1, std::nullopt, std::nullopt, std::nullopt});
    EXPECT_EQ(plan_error(device, bundle), "config.json: linux.devices[0]: type: unknown device type \"x\"");
    oci::Spec propagation = minimal_spec();
    propagation.linux->rootfsPropagation = "sideways";
    EXPECT_EQ(plan_error(propagation, bundle), "config.json: linux.rootfsPropagation: unknown propagation \"sideways\"");
    oci::Spec no_mount_ns = minimal_spec();
    no_mount_ns.linux->namespaces.clear();
    auto host_ns = plan_rootfs(no_mount_ns, {bundle.dir(), false});  // runc allows it: the runtime's namespace
    ASSERT_TRUE(host_ns.ok()) << host_ns.error().what();
    EXPECT_TRUE(host_ns->host_mount_namespace);
    auto no_pivot = plan_rootfs(no_mount_ns, {bundle.dir(), true});
    ASSERT_FALSE(no_pivot.ok());
    EXPECT_EQ(no_pivot.error().what(), std::string("config.json: linux.namespaces: --no-pivot needs a mount namespace (it would move "
                                                   "the rootfs over the runtime's own \"/\")"));
    no_mount_ns.linux->maskedPaths = {"/proc/kcore"};
    EXPECT_EQ(plan_error(no_mount_ns, bundle),
              "config.json: linux.namespaces: unable to restrict sys entries without a private MNT namespace");
    oci::Spec no_root = minimal_spec();
    no_root.root->path = "missing";
    EXPECT_EQ(plan_error(no_root, bundle),
              "config.json: root.path: realpath \"" + bundle.dir() + "/missing\": No such file or directory");
}

// runc 1.2+: per-mount mappings alone make an idmapped bind, non-recursive
// unless "ridmap"; the user namespace for them is made in the parent.
TEST(RootfsPlan, MountMappingsAloneMakeAnIdmappedBind) {
    if (::geteuid() != 0) GTEST_SKIP() << "making a user namespace with a mapping needs root";
    Bundle bundle;
    oci::Spec spec = minimal_spec();
    oci::Mount mapped = make_mount("/x", "bind", "/tmp", {"rbind"});
    mapped.uidMappings.push_back({0, 100000, 65536});
    mapped.gidMappings.push_back({0, 100000, 65536});
    spec.mounts.push_back(mapped);
    mapped.options = {"rbind", "ridmap"};
    spec.mounts.push_back(mapped);
    auto plan = plan_rootfs(spec, {bundle.dir(), false});
    ASSERT_TRUE(plan.ok()) << plan.error().what();
    EXPECT_TRUE(plan->mounts[0].idmap_userns);
    EXPECT_FALSE(plan->mounts[0].options.recursive_idmap);
    EXPECT_TRUE(plan->mounts[1].idmap_userns);
    EXPECT_TRUE(plan->mounts[1].options.recursive_idmap);
    EXPECT_FALSE(plan->parent_clones_sources);  // no user namespace of its own
}

// idmap without mappings in a container joining a user namespace: that one.
TEST(RootfsPlan, ImpliedIdmapTakesTheJoinedUserNamespace) {
    if (::geteuid() != 0) GTEST_SKIP() << "id-mapped mounts are refused for rootless containers";
    Bundle bundle;
    oci::Spec spec = minimal_spec();
    spec.linux->namespaces.push_back({oci::NamespaceType::user, "/proc/self/ns/user"});
    spec.mounts.push_back(make_mount("/x", "bind", "/tmp", {"rbind", "idmap"}));
    auto plan = plan_rootfs(spec, {bundle.dir(), false});
    ASSERT_TRUE(plan.ok()) << plan.error().what();
    ASSERT_TRUE(plan->mounts[0].idmap_userns);
    struct stat joined {}, own {};
    ASSERT_EQ(::fstat(plan->mounts[0].idmap_userns.get(), &joined), 0);
    ASSERT_EQ(::stat("/proc/self/ns/user", &own), 0);
    EXPECT_EQ(joined.st_ino, own.st_ino);
    EXPECT_TRUE(plan->parent_clones_sources);

    spec.linux->namespaces.back().path = bundle.dir() + "/no-such-userns";
    EXPECT_EQ(plan_error(spec, bundle), "config.json: mounts[0]: open \"" + bundle.dir() +
                                            "/no-such-userns\" (user namespace for the id-mapping): No such file or directory");
}

// runc 1.2+'s mount order: a destination spelled with the rootfs' host path
// is that path in the container, and a bind source under the rootfs may
// only appear once earlier mounts are made (the child looks it up then).
TEST(RootfsPlan, RootfsPathsInMountsAreTheContainers) {
    Bundle bundle;
    fs::create_directories(bundle.dir() + "/src");
    const std::string rootfs = bundle.dir() + "/rootfs";
    oci::Spec spec = minimal_spec();
    spec.mounts.push_back(make_mount("/mnt", "bind", bundle.dir() + "/src", {"rbind"}));
    spec.mounts.push_back(make_mount(rootfs + "/final", "bind", rootfs + "/mnt/not-yet", {"rbind"}));
    auto plan = plan_rootfs(spec, {bundle.dir(), false});
    ASSERT_TRUE(plan.ok()) << plan.error().what();
    EXPECT_EQ(plan->mounts[1].destination, "/final");
    EXPECT_EQ(plan->mounts[1].source, rootfs + "/mnt/not-yet");
    // Outside the rootfs a missing source is still refused up front.
    spec.mounts.resize(1);
    spec.mounts[0].source = bundle.dir() + "/missing";
    EXPECT_EQ(plan_error(spec, bundle),
              "config.json: mounts[0]: stat \"" + bundle.dir() + "/missing\" (bind source for \"/mnt\"): No such file or directory");
}

TEST(ContainerPath, CleanIsLexicalAndNeverLeavesRoot) {
    EXPECT_EQ(berth::clean_path("/dev/pts"), "/dev/pts");
    EXPECT_EQ(berth::clean_path("dev//pts/"), "/dev/pts");
    EXPECT_EQ(berth::clean_path("/a/./b/../c"), "/a/c");
    EXPECT_EQ(berth::clean_path("/../../etc"), "/etc");
    EXPECT_EQ(berth::clean_path(""), "/");
    EXPECT_EQ(berth::clean_path("/.."), "/");
}

TEST(CgroupMounts, HybridHostMountinfo) {
    const std::string mountinfo =
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
        "35 31 0:32 /nested /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory,clone_children\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
        "42 31 0:32 / /mnt/with\\040space rw,relatime - cgroup cgroup rw,memory\n";
    const auto hierarchies = parse_cgroup_v1_mounts(mountinfo, {"cpu", "cpuacct", "memory", "pids"});
    ASSERT_EQ(hierarchies.size(), 3u);  // the second memory mount is the same hierarchy
    EXPECT_EQ(hierarchies[0].controllers, "cpu,cpuacct");
    EXPECT_EQ(hierarchies[0].name, "cpu,cpuacct");
    EXPECT_EQ(hierarchies[0].mountpoint, "/sys/fs/cgroup/cpu,cpuacct");
    EXPECT_EQ(hierarchies[1].controllers, "memory");
    EXPECT_EQ(hierarchies[1].root, "/nested");
    EXPECT_EQ(hierarchies[2].controllers, "name=systemd");
    EXPECT_EQ(hierarchies[2].name, "systemd");
}

}  // namespace
}  // namespace berth::linux_setup
