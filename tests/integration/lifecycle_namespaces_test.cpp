// Namespaces joined by path together with a new user namespace: the joined
// ones belong to the host's user namespace (as a netns from `ip netns add`),
// which the container's root has no privilege over (runc's userns order).
// And a cgroup namespace joined by path without one, with runc's cgroup2 fallback.
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/linux/namespaces.hpp"
#include "harness/harness.hpp"

namespace berth::test {
namespace {

uint64_t ns_inode_at(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// Inode of the user namespace that owns the namespace at `path`.
uint64_t owner_inode(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    int owner = ::ioctl(fd, NS_GET_USERNS);
    ::close(fd);
    if (owner < 0) return 0;
    struct stat st {};
    uint64_t inode = ::fstat(owner, &st) == 0 ? st.st_ino : 0;
    ::close(owner);
    return inode;
}

// A process of ours sitting in namespaces of its own (`flags`: network and uts
// unless told), owned by the host's user namespace; the container joins them
// through /proc/PID/ns.
class HostOwnedNamespaces {
public:
    explicit HostOwnedNamespaces(int flags = CLONE_NEWNET | CLONE_NEWUTS) {
        int ready[2];
        if (::pipe(ready) != 0) return;
        pid_ = ::fork();
        if (pid_ == 0) {
            ::close(ready[0]);
            char ok = ::unshare(flags) == 0 ? 'y' : 'n';
            (void)!::write(ready[1], &ok, 1);
            for (;;) ::pause();
        }
        ::close(ready[1]);
        char ok = 'n';
        if (pid_ > 0 && ::read(ready[0], &ok, 1) == 1 && ok == 'y') ready_ = true;
        ::close(ready[0]);
    }
    ~HostOwnedNamespaces() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    bool ready() const { return ready_; }
    std::string path(const std::string& name) const { return "/proc/" + std::to_string(pid_) + "/ns/" + name; }

private:
    pid_t pid_ = -1;
    bool ready_ = false;
};

// /sys a read-only bind of the host's, as a rootless spec has it.
void bind_host_sys(Bundle& bundle) {
    for (auto& m : bundle.spec.mounts) {
        if (m.destination != "/sys") continue;
        m.type = "none";
        m.source = "/sys";
        m.options = {"rbind", "nosuid", "noexec", "nodev", "ro"};
    }
}

// The bundle: a new user namespace mapped to 100000+, the network and uts
// namespaces joined by path. sysfs cannot be mounted for a network namespace
// the container's user namespace does not own (runc fails the same way), so
// /sys is a read-only bind of the host's.
Bundle userns_bundle_joining(Bundle bundle, const HostOwnedNamespaces& host_owned) {
    auto& linux = *bundle.spec.linux;
    for (auto& ns : linux.namespaces) {
        if (ns.type == oci::NamespaceType::network) ns.path = host_owned.path("net");
        if (ns.type == oci::NamespaceType::uts) ns.path = host_owned.path("uts");
    }
    linux.namespaces.push_back({oci::NamespaceType::user, std::nullopt});
    linux.uidMappings = {{0, 100000, 65536}};
    linux.gidMappings = {{0, 100000, 65536}};
    bundle.spec.hostname.reset();  // the joined uts namespace is not the container's to name
    bind_host_sys(bundle);
    return bundle;
}

class UserNamespaceJoinTest : public IntegrationTest {
protected:
    void SetUp() override {
        IntegrationTest::SetUp();
        // The namespace's root (host uid 100000) must be able to reach the rootfs.
        ASSERT_EQ(::chmod(dir().c_str(), 0755), 0);
    }
    void TearDown() override {
        if (!created_.empty()) run_berth("delete", "--force", created_);
        IntegrationTest::TearDown();
    }
    std::string created_;  // deleted even when an assertion stopped the test
};

TEST_F(UserNamespaceJoinTest, NewUserNamespaceWithHostOwnedNetworkAndUtsNamespaces) {
    HostOwnedNamespaces host_owned;
    ASSERT_TRUE(host_owned.ready());
    auto bundle = userns_bundle_joining(make_bundle(), host_owned);
    bundle.spec.process->args = {"/bin/probe", "--sleep", "600"};
    ASSERT_EQ(::chmod(bundle.path().c_str(), 0755), 0);
    bundle.write();
    const std::string id = created_ = last_id();

    auto created = run_berth("create", "--bundle", bundle.path(), id);
    ASSERT_EQ(created.exit_code, 0) << created.describe();
    int init = state_of(id).pid;
    ASSERT_GT(init, 0);
    const std::string proc = "/proc/" + std::to_string(init);
    // The parent wrote the maps of the container's own new user namespace.
    std::string uid_map = read_file(proc + "/uid_map");
    std::string gid_map = read_file(proc + "/gid_map");
    EXPECT_NE(uid_map.find("0     100000      65536"), std::string::npos) << uid_map;
    EXPECT_NE(gid_map.find("0     100000      65536"), std::string::npos) << gid_map;
    EXPECT_NE(ns_inode_at(proc + "/ns/user"), host_ns_inode("user"));
    // Joined, not new: the helper's namespaces.
    EXPECT_EQ(ns_inode_at(proc + "/ns/net"), ns_inode_at(host_owned.path("net")));
    EXPECT_EQ(ns_inode_at(proc + "/ns/uts"), ns_inode_at(host_owned.path("uts")));
    // New namespaces belong to the new user namespace, joined ones keep their owner.
    const uint64_t container_userns = ns_inode_at(proc + "/ns/user");
    for (const char* name : {"mnt", "pid", "ipc"}) {
        EXPECT_EQ(owner_inode(proc + "/ns/" + name), container_userns) << name;
    }
    EXPECT_EQ(owner_inode(proc + "/ns/net"), host_ns_inode("user"));
    // berth itself went back to its own namespaces after the clone.
    EXPECT_EQ(host_ns_inode("net"), ns_inode_at("/proc/self/ns/net"));

    // A process exec'd into it joins the same set: the host-owned ones first,
    // then the user namespace (runc 1.1.5 fails here with EPERM; fixed in
    // runc 1.2 by its two-pass join, PR 4492).
    auto exec = run_berth("exec", id, "/bin/probe");
    ASSERT_EQ(exec.exit_code, 0) << exec.describe();
    auto report = ProbeReport::parse(exec.out);
    EXPECT_EQ(report.ns_inode("net"), ns_inode_at(host_owned.path("net")));
    EXPECT_EQ(report.ns_inode("uts"), ns_inode_at(host_owned.path("uts")));
    EXPECT_EQ(report.ns_inode("user"), ns_inode_at(proc + "/ns/user"));
    EXPECT_EQ(report.ns_inode("mnt"), ns_inode_at(proc + "/ns/mnt"));
    EXPECT_EQ(report.uid(), 0u);

    ASSERT_EQ(run_berth("start", id).exit_code, 0);
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
}

TEST_F(UserNamespaceJoinTest, TheContainersNewNamespacesBelongToItsUserNamespace) {
    HostOwnedNamespaces host_owned;
    ASSERT_TRUE(host_owned.ready());
    auto bundle = userns_bundle_joining(make_bundle(), host_owned);
    ASSERT_EQ(::chmod(bundle.path().c_str(), 0755), 0);
    // The container's root may mount in its own mount namespace (owned by its
    // user namespace): the probe runs only after the mounts of the config.
    auto report = run_probe(bundle);
    EXPECT_EQ(report.uid(), 0u);
    EXPECT_EQ(report.ns_inode("net"), ns_inode_at(host_owned.path("net")));
    EXPECT_NE(report.ns_inode("mnt"), host_ns_inode("mnt"));
    EXPECT_NE(report.ns_inode("pid"), host_ns_inode("pid"));
    EXPECT_EQ(report.pid(), 1);
    ASSERT_TRUE(report.mount_at("/proc").has_value());
    EXPECT_EQ(report.mount_at("/proc")->fstype, "proc");
}

// runc's userns.bats "userns join other container userns": the user
// namespace joined by path, every other one new. The new ones must belong to
// the joined user namespace, or its root could not name the uts namespace
// (sethostname: EPERM), mount in the mount namespace or mount /proc for the
// pid namespace; berth cloned them from the host's user namespace before.
TEST_F(UserNamespaceJoinTest, NewNamespacesBelongToAUserNamespaceJoinedByPath) {
    auto target = make_bundle();
    target.spec.process->args = {"/bin/probe", "--sleep", "600"};
    target.spec.linux->namespaces.push_back({oci::NamespaceType::user, std::nullopt});
    target.spec.linux->uidMappings = {{0, 100000, 65536}};
    target.spec.linux->gidMappings = {{0, 100000, 65536}};
    ASSERT_EQ(::chmod(target.path().c_str(), 0755), 0);
    target.write();
    const std::string target_id = created_ = last_id();
    auto r = run_berth("run", "--detach", "--bundle", target.path(), target_id);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    const std::string userns = "/proc/" + std::to_string(state_of(target_id).pid) + "/ns/user";
    const uint64_t userns_inode = ns_inode_at(userns);

    auto joining = make_bundle();
    joining.spec.hostname = "joined";
    joining.spec.domainname = "example.org";
    joining.spec.linux->namespaces.push_back({oci::NamespaceType::user, userns});
    ASSERT_EQ(::chmod(joining.path().c_str(), 0755), 0);
    joining.write();
    const std::string id = last_id();
    auto created = run_berth("create", "--bundle", joining.path(), id);
    ASSERT_EQ(created.exit_code, 0) << created.describe();
    const std::string proc = "/proc/" + std::to_string(state_of(id).pid);
    EXPECT_EQ(ns_inode_at(proc + "/ns/user"), userns_inode);
    for (const char* name : {"uts", "mnt", "pid", "ipc", "net"}) {
        EXPECT_NE(ns_inode_at(proc + "/ns/" + name), host_ns_inode(name)) << name;
        EXPECT_EQ(owner_inode(proc + "/ns/" + name), userns_inode) << name;
    }
    // Born outside its cgroup (the helper may not write it), placed by pid.
    EXPECT_NE(read_file(proc + "/cgroup").find("/" + id + "\n"), std::string::npos) << read_file(proc + "/cgroup");
    ASSERT_EQ(run_berth("start", id).exit_code, 0);
    EXPECT_EQ(wait_for_status(id, "stopped"), "stopped");
    auto report = ProbeReport::parse(read_file(created.out_path));
    EXPECT_EQ(report.hostname(), "joined");
    EXPECT_EQ(report.domainname(), "example.org");
    EXPECT_EQ(report.uid(), 0u);
    EXPECT_EQ(report.pid(), 1);
    EXPECT_EQ(report.ns_inode("user"), userns_inode);
    ASSERT_TRUE(report.mount_at("/proc").has_value());
    EXPECT_EQ(report.mount_at("/proc")->fstype, "proc");
    EXPECT_EQ(run_berth("delete", id).exit_code, 0);
    EXPECT_EQ(run_berth("delete", "--force", target_id).exit_code, 0);
    created_.clear();
}

// runc's run.bats "joining existing container namespaces": every namespace
// of another container joined by path (its user and time namespaces too) but
// a new mount namespace, which must belong to that user namespace.
TEST_F(UserNamespaceJoinTest, EverythingJoinedButANewMountNamespace) {
    auto target = make_bundle();
    target.spec.process->args = {"/bin/probe", "--sleep", "600"};
    target.spec.linux->namespaces.push_back({oci::NamespaceType::user, std::nullopt});
    target.spec.linux->namespaces.push_back({oci::NamespaceType::time, std::nullopt});
    target.spec.linux->uidMappings = {{0, 100000, 100}};
    target.spec.linux->gidMappings = {{0, 200000, 200}};
    target.spec.linux->timeOffsets["monotonic"] = {7881, 2718281};
    ASSERT_EQ(::chmod(target.path().c_str(), 0755), 0);
    target.write();
    const std::string target_id = created_ = last_id();
    auto r = run_berth("run", "--detach", "--bundle", target.path(), target_id);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    const std::string proc = "/proc/" + std::to_string(state_of(target_id).pid) + "/ns/";

    auto attached = make_bundle();
    attached.spec.process->args = {"/bin/probe", "--sleep", "600"};
    attached.spec.hostname.reset();  // the joined uts namespace is the target's
    for (auto& ns : attached.spec.linux->namespaces)
        if (ns.type != oci::NamespaceType::mount) ns.path = proc + linux_setup::proc_ns_name(ns.type);
    attached.spec.linux->namespaces.push_back({oci::NamespaceType::user, proc + "user"});
    attached.spec.linux->namespaces.push_back({oci::NamespaceType::time, proc + "time"});
    ASSERT_EQ(::chmod(attached.path().c_str(), 0755), 0);
    attached.write();
    const std::string id = last_id();
    r = run_berth("run", "--detach", "--bundle", attached.path(), id);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto exec = run_berth("exec", id, "cat", "/proc/self/uid_map", "/proc/self/timens_offsets");
    ASSERT_EQ(exec.exit_code, 0) << exec.describe();
    EXPECT_NE(exec.out.find("0     100000        100"), std::string::npos) << exec.out;
    EXPECT_NE(exec.out.find("7881"), std::string::npos) << exec.out;
    const std::string own = "/proc/" + std::to_string(state_of(id).pid) + "/ns/";
    EXPECT_EQ(owner_inode(own + "mnt"), ns_inode_at(proc + "user"));
    EXPECT_EQ(ns_inode_at(own + "pid"), ns_inode_at(proc + "pid"));
    const int attached_init = state_of(id).pid;
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
    // Not a pid namespace's init: once `run -d` exited it was reparented to
    // the nearest subreaper, which may be this test. Reaped, or the target's
    // pid namespace (and so its init) never ends.
    (void)::waitpid(attached_init, nullptr, 0);
    auto deleted = run_berth("delete", "--force", target_id);
    EXPECT_EQ(deleted.exit_code, 0) << deleted.describe();
    created_.clear();
}

// runc's cgroup2 fallback with a cgroup namespace joined by path and no new
// user namespace: when the kernel refuses the cgroup2 mount (EBUSY here: /sys
// is a bind of the host's, so /sys/fs/cgroup already is the cgroup2 root), the
// container's own cgroup is bound there. This host is hybrid: the runtime runs
// in a private mount namespace showing the host's cgroup2 hierarchy at
// /sys/fs/cgroup, so it sees a pure v2 host (nothing propagates back).
using CgroupNamespaceJoin = IntegrationTest;

TEST_F(CgroupNamespaceJoin, ARefusedCgroup2MountBindsTheContainersCgroup) {
    HostOwnedNamespaces holder(CLONE_NEWCGROUP);
    ASSERT_TRUE(holder.ready());
    auto bundle = make_bundle();
    // pid 1 is in the bound directory's cgroup.procs only if that is the container's cgroup.
    bundle.spec.process->args = {"sh", "-c", "grep -cx 1 /sys/fs/cgroup/cgroup.procs"};
    auto& namespaces = bundle.spec.linux->namespaces;
    std::erase_if(namespaces, [](const oci::Namespace& ns) { return ns.type == oci::NamespaceType::cgroup; });
    namespaces.push_back({oci::NamespaceType::cgroup, holder.path("cgroup")});
    bind_host_sys(bundle);
    std::erase_if(bundle.spec.mounts, [](const oci::Mount& m) { return m.destination == "/sys/fs/cgroup"; });
    oci::Mount& cgroup = bundle.spec.mounts.emplace_back();
    cgroup.destination = "/sys/fs/cgroup";
    cgroup.type = cgroup.source = "cgroup";
    cgroup.options = {"nosuid", "noexec", "nodev", "ro"};
    bundle.write();
    const char* in_v2 = R"sh(
        if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
          [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] || exit 77
          mkdir "$0/cg2"; mount --bind /sys/fs/cgroup/unified "$0/cg2"
          umount -R -l /sys/fs/cgroup; mount --move "$0/cg2" /sys/fs/cgroup
        fi
        exec "$@")sh";
    auto r = run_command({"unshare", "-m", "--propagation", "private", "sh", "-ec", in_v2, dir(), runtime(), "--root",
                          state_root(), "run", "--bundle", bundle.path(), last_id()},
                         dir() + "/v2-run");
    if (r.exit_code == 77) GTEST_SKIP() << "no cgroup2 hierarchy on this host";
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "1\n") << r.describe();
}

}  // namespace
}  // namespace berth::test
