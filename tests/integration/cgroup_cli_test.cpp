// The cgroup commands end to end on this host (v1 / hybrid): linux.resources
// land in the cgroup files, `update` changes live values, `pause`/`resume`
// freeze, `ps` and `events` report, an OOM kill is reported, and the fixture's
// leak check proves `delete` removed every cgroup directory.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "berth/cgroups/hierarchy.hpp"
#include "harness/harness.hpp"

namespace berth::test {
namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

class CgroupCli : public IntegrationTest {
protected:
    void SetUp() override {
        IntegrationTest::SetUp();
        auto h = cgroups::host_hierarchies();
        ASSERT_TRUE(h.ok()) << h.error().what();
        hierarchies_ = *h;
        if (hierarchies_.layout == cgroups::Layout::unified) GTEST_SKIP() << "v1 file names (v2 runs in the VM test)";
    }
    // A container file of a v1 controller: /sys/fs/cgroup/<ctrl>/<parent>/<id>/<file>.
    std::string file(const std::string& id, const char* controller, const std::string& name) {
        const auto* h = hierarchies_.v1_for(controller);
        return h ? h->mountpoint + cgroup_parent() + "/" + id + "/" + name : "<no " + std::string(controller) + ">";
    }
    std::string value(const std::string& id, const char* controller, const std::string& name) {
        return trim(read_file(file(id, controller, name)));
    }
    // A started container running `args`, with `resources` and a writable rootfs;
    // `cgroups_path` replaces the bundle's ("" = none: berth's default; "{id}"
    // becomes the container's id).
    std::string start(const std::vector<std::string>& args, const oci::Resources& resources = {},
                      std::optional<std::string> cgroups_path = std::nullopt) {
        auto bundle = make_bundle();
        bundle.spec.process->args = args;
        bundle.spec.linux->resources = resources;
        if (cgroups_path) {
            std::string path = *cgroups_path;
            if (size_t at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, last_id());
            bundle.spec.linux->cgroupsPath = path.empty() ? std::nullopt : std::optional(path);
        }
        bundle.spec.root->readonly = false;  // tests leave marks in the rootfs
        bundle.write();
        rootfs_ = bundle.rootfs();
        auto r = run_berth("run", "--detach", "--bundle", bundle.path(), last_id());
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        return last_id();
    }
    // Reaps `pid`, a child of the test, within 30 s (a hang guard, not a timing
    // check): its wait status, or nullopt when it was still running and got killed.
    static std::optional<int> reap_within_30s(pid_t pid) {
        int status = 0;
        for (int i = 0; i < 600; ++i) {
            if (::waitpid(pid, &status, WNOHANG) == pid) return status;
            ::usleep(50000);
        }
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return std::nullopt;
    }
    void remove(const std::string& id) {
        auto r = run_berth("delete", "--force", id);
        EXPECT_EQ(r.exit_code, 0) << r.describe();
    }
    // One `update FLAGS... ID` that must succeed, and the files it must leave.
    struct FileValue {
        const char* controller;
        const char* file;
        const char* value;
    };
    struct UpdateStep {
        std::vector<std::string> flags;
        std::vector<FileValue> files;
        const char* why;
    };
    void apply_updates(const std::string& id, const std::vector<UpdateStep>& steps) {
        for (const UpdateStep& step : steps) {
            std::vector<std::string> argv{"update"};
            argv.insert(argv.end(), step.flags.begin(), step.flags.end());
            argv.push_back(id);
            auto r = run_berth_argv(argv);
            ASSERT_EQ(r.exit_code, 0) << step.why << ": " << r.describe();
            for (const FileValue& f : step.files) EXPECT_EQ(value(id, f.controller, f.file), f.value) << step.why;
        }
    }
    cgroups::Hierarchies hierarchies_;
    std::string rootfs_;
};

TEST_F(CgroupCli, ConfigResourcesLandInTheCgroupFiles) {
    oci::Resources r;
    r.memory.emplace();
    r.memory->limit = 64 << 20;
    r.memory->reservation = 32 << 20;
    r.cpu.emplace();
    r.cpu->shares = 512;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.pids = oci::Pids{20};
    auto id = start({"sleep", "100"}, r);
    EXPECT_EQ(value(id, "memory", "memory.limit_in_bytes"), std::to_string(64 << 20));
    EXPECT_EQ(value(id, "memory", "memory.soft_limit_in_bytes"), std::to_string(32 << 20));
    EXPECT_EQ(value(id, "cpu", "cpu.shares"), "512");
    EXPECT_EQ(value(id, "cpu", "cpu.cfs_quota_us"), "50000");
    EXPECT_EQ(value(id, "pids", "pids.max"), "20");
    // the init is in the container's cgroup in every hierarchy
    auto state = state_of(id);
    for (const char* c : {"memory", "cpu", "pids", "freezer", "devices", "blkio", "cpuset"})
        EXPECT_TRUE(has(read_file(file(id, c, "cgroup.procs")), std::to_string(state.pid))) << c;
    // and, as runc, in the name=systemd hierarchy: /proc/PID/cgroup shows its own path
    if (!hierarchies_.systemd.empty()) {
        std::string own = read_file("/proc/" + std::to_string(state.pid) + "/cgroup");
        EXPECT_TRUE(has(own, ":name=systemd:" + cgroup_parent() + "/" + id + "\n")) << own;
        EXPECT_TRUE(has(read_file(hierarchies_.systemd + cgroup_parent() + "/" + id + "/cgroup.procs"),
                        std::to_string(state.pid)));
    }
    remove(id);
}

TEST_F(CgroupCli, UpdateChangesLiveValuesWithFlagsOrJson) {
    auto id = start({"sleep", "100"});
    apply_updates(id, {{{"--memory", "100M", "--pids-limit", "7", "--cpu-share", "256"},
                        {{"memory", "memory.limit_in_bytes", "104857600"}, {"pids", "pids.max", "7"}, {"cpu", "cpu.shares", "256"}},
                        "flags"}});
    // the id before the flags, as runc accepts
    auto r = run_berth("update", id, "--cpu-quota", "20000", "--cpu-period", "50000");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(value(id, "cpu", "cpu.cfs_quota_us"), "20000");
    EXPECT_EQ(value(id, "cpu", "cpu.cfs_period_us"), "50000");
    // LinuxResources JSON on stdin, as containerd and CRI-O send it
    RunOptions stdin_json;
    stdin_json.stdin_data = R"({"pids":{"limit":9},"memory":{"limit":52428800}})";
    r = run_berth_argv({"update", "--resources", "-", id}, stdin_json);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(value(id, "pids", "pids.max"), "9");
    EXPECT_EQ(value(id, "memory", "memory.limit_in_bytes"), "52428800");
    if (runtime_is_berth()) {
        r = run_berth("update", "--memory", "abc", id);
        EXPECT_NE(r.exit_code, 0);
        EXPECT_TRUE(has(r.err, "invalid value for memory: invalid size: 'abc'")) << r.describe();
        r = run_berth("update", "--cpuset-cpus", "4096", id);
        EXPECT_NE(r.exit_code, 0);
        EXPECT_TRUE(has(r.err, "cpuset.cpus")) << r.describe();  // the file and the value
    }
    remove(id);
    r = run_berth("update", "--pids-limit", "3", id);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "container does not exist")) << r.describe();
}

// runtime-spec 1.3: a pids limit of 0 is a limit. runc 1.4+ writes it as pids.max 1 (runc 1.3 and
// older, like Debian's runc 1.1, left pids.max at max), so the values are checked for berth only.
TEST_F(CgroupCli, PidsLimitZeroIsALimitInConfigAndUpdate) {
    oci::Resources r;
    r.pids = oci::Pids{0};
    auto id = start({"sleep", "100"}, r);
    if (runtime_is_berth()) {
        EXPECT_EQ(value(id, "pids", "pids.max"), "1");
    }
    // the init is the one task allowed: nothing in the container can fork
    auto forked = run_berth("exec", id, "/bin/sh", "-c", "/bin/true; /bin/true");
    if (runtime_is_berth()) {
        EXPECT_NE(forked.exit_code, 0) << forked.describe();
    }
    auto up = run_berth("update", "--pids-limit", "5", id);
    ASSERT_EQ(up.exit_code, 0) << up.describe();
    EXPECT_EQ(value(id, "pids", "pids.max"), "5");
    // another flag alone leaves the pids limit alone
    up = run_berth("update", "--cpu-share", "256", id);
    ASSERT_EQ(up.exit_code, 0) << up.describe();
    EXPECT_EQ(value(id, "pids", "pids.max"), "5");
    up = run_berth("update", "--pids-limit", "0", id);
    ASSERT_EQ(up.exit_code, 0) << up.describe();
    if (runtime_is_berth()) {
        EXPECT_EQ(value(id, "pids", "pids.max"), "1");
    }
    remove(id);
}

TEST_F(CgroupCli, NoDeviceRulesStillMeansTheDefaultAllowList) {
    // as runc: without linux.resources the container gets deny-all plus the
    // default devices, never the host's allow-all
    auto id = start({"sleep", "100"});
    std::string list = value(id, "devices", "devices.list");
    EXPECT_FALSE(has(list, "a *:* rwm")) << list;
    EXPECT_TRUE(has(list, "c 1:3 rwm")) << list;
    EXPECT_TRUE(has(list, "c 136:* rwm")) << list;
    remove(id);
}

TEST_F(CgroupCli, DeviceUpdateNeverDeniesAKeptDevice) {
    // The container opens /dev/null and /dev/zero in a loop while `update`
    // changes other device rules: a deny-all-then-allow update would make
    // some open fail (runc's update.bats "minimal transition rules").
    oci::Resources r;
    oci::DeviceCgroup deny_all;
    deny_all.access = "rwm";
    r.devices = {deny_all};
    auto id = start({"sh", "-c",
                     "while :; do echo x >/dev/null 2>/dev/null || touch /denied; "
                     "head -c 1 /dev/zero >/dev/null 2>&1 || touch /denied; done"},
                    r);
    for (int i = 0; i < 30; ++i) {
        RunOptions json;
        json.stdin_data = i % 2 == 0
            ? R"({"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"b","major":7,"minor":0,"access":"rw"}]})"
            : R"({"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":11,"access":"r"}]})";
        auto u = run_berth_argv({"update", "--resources", "-", id}, json);
        ASSERT_EQ(u.exit_code, 0) << u.describe();
    }
    std::string list = value(id, "devices", "devices.list");
    if (runtime_is_berth()) {  // runc 1.1's update ignores devices
        EXPECT_TRUE(has(list + "\n", "c 1:11 r\n")) << list;
        EXPECT_FALSE(has(list, "b 7:0")) << list;
    }
    EXPECT_TRUE(has(list, "c 1:3 rwm")) << list;
    EXPECT_NE(::access((rootfs_ + "/denied").c_str(), F_OK), 0) << "a kept device was denied during an update";
    remove(id);
}

TEST_F(CgroupCli, InitIsInItsCgroupInEveryHierarchy) {
    auto id = start({"sleep", "100"});
    std::istringstream own(read_file("/proc/" + std::to_string(state_of(id).pid) + "/cgroup"));
    int lines = 0;
    for (std::string line; std::getline(own, line); ++lines)
        EXPECT_TRUE(line.ends_with(":" + cgroup_parent() + "/" + id)) << line;
    // Every v1 hierarchy (and name=systemd), plus the unified one on a hybrid host.
    EXPECT_EQ(lines, static_cast<int>(hierarchies_.v1.size() + (hierarchies_.systemd.empty() ? 0 : 1) +
                                      (hierarchies_.unified.empty() ? 0 : 1)));
    remove(id);
}

// On a v1 host (no cgroup2 mounted) berth makes the cgroups after clone, while
// the init sets up its mounts, and the init joins them when `go` brings their
// `tasks` files. Seen here in a private mount namespace without this hybrid
// host's cgroup2 mount: the init is in its own cgroup in every v1 hierarchy,
// under its memory limit, before it runs anything of the user's.
TEST_F(CgroupCli, OnAV1HostTheInitJoinsTheCgroupsMadeAfterClone) {
    if (hierarchies_.unified.empty()) GTEST_SKIP() << "already a v1 host: every other test here covers it";
    auto bundle = make_bundle();
    bundle.spec.process->args = {"cat", "/proc/self/cgroup", "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    oci::Resources resources;
    resources.memory.emplace().limit = 64 << 20;
    bundle.spec.linux->resources = resources;
    bundle.write();
    const std::string run = "umount " + hierarchies_.unified + " && exec \"$0\" --root " + state_root() +
                            " run --bundle " + bundle.path() + " " + last_id();
    auto r = run_command({"unshare", "-m", "--propagation", "private", "sh", "-c", run, runtime()}, dir() + "/v1-run");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    std::istringstream out(r.out);
    int joined = 0;
    bool limit = false;
    for (std::string line; std::getline(out, line);) {
        if (line == std::to_string(64 << 20)) limit = true;
        if (line.find(':') == std::string::npos || line.starts_with("0::")) continue;  // not a v1 hierarchy
        EXPECT_TRUE(line.ends_with(":" + cgroup_parent() + "/" + last_id())) << line;
        ++joined;
    }
    EXPECT_EQ(joined, static_cast<int>(hierarchies_.v1.size() + (hierarchies_.systemd.empty() ? 0 : 1))) << r.out;
    EXPECT_TRUE(limit) << r.out;
}

// A limit the kernel refuses fails the create: nothing is left in any
// hierarchy, the v2 one included (made before clone: the init is born in it).
TEST_F(CgroupCli, CreateFailingAfterCloneLeavesNoCgroup) {
    auto bundle = make_bundle();
    oci::Resources resources;
    resources.cpu.emplace().cpus = "4096";  // no such CPU: cpuset.cpus refuses it
    bundle.spec.linux->resources = resources;
    bundle.spec.linux->cgroupsPath = cgroup_parent() + "/" + last_id();
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_NE(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(has(r.err, "cpuset.cpus")) << r.describe();
    std::vector<std::string> roots;
    for (const auto& h : hierarchies_.v1) roots.push_back(h.mountpoint);
    if (!hierarchies_.systemd.empty()) roots.push_back(hierarchies_.systemd);
    if (!hierarchies_.unified.empty()) roots.push_back(hierarchies_.unified);
    for (const auto& root : roots) {
        const std::string dir = root + cgroup_parent() + "/" + last_id();
        EXPECT_NE(::access(dir.c_str(), F_OK), 0) << dir << " left behind";
    }
}

TEST_F(CgroupCli, CgroupsPathRelativeAbsoluteAndDefault) {
    // relative: from each hierarchy's root (never the caller's own cgroup)
    auto rel = start({"sleep", "100"}, {}, cgroup_parent().substr(1) + "/{id}");
    auto state = state_of(rel);
    std::string own = read_file("/proc/" + std::to_string(state.pid) + "/cgroup");
    EXPECT_TRUE(has(own, ":memory:" + cgroup_parent() + "/" + rel + "\n")) << own;
    EXPECT_TRUE(has(own, ":pids:" + cgroup_parent() + "/" + rel + "\n")) << own;
    remove(rel);
    // escaping with .. stays inside the hierarchy
    auto esc = start({"sleep", "100"}, {}, "/../../.." + cgroup_parent() + "/x/../{id}");
    own = read_file("/proc/" + std::to_string(state_of(esc).pid) + "/cgroup");
    EXPECT_TRUE(has(own, ":memory:" + cgroup_parent() + "/" + esc + "\n")) << own;
    remove(esc);
    // none: /<id>, as runc and crun (the test runs in the root cgroup), removed by delete
    auto def = start({"sleep", "100"}, {}, "");
    own = read_file("/proc/" + std::to_string(state_of(def).pid) + "/cgroup");
    EXPECT_TRUE(has(own, ":memory:/" + def + "\n")) << own;
    std::string memory = hierarchies_.v1_for("memory")->mountpoint;
    EXPECT_EQ(::access((memory + "/" + def).c_str(), F_OK), 0);
    remove(def);
    EXPECT_NE(::access((memory + "/" + def).c_str(), F_OK), 0);
}

TEST_F(CgroupCli, DefaultCgroupMadeBySomeoneElseIsNeverAdopted) {
    if (!runtime_is_berth()) GTEST_SKIP() << "runc joins it";
    // Someone else's cgroup that happens to carry the next container's id.
    auto bundle = make_bundle();
    bundle.spec.linux->cgroupsPath.reset();
    bundle.write();
    const std::string id = last_id();
    const std::string theirs = hierarchies_.v1_for("pids")->mountpoint + "/" + id;
    ASSERT_EQ(::mkdir(theirs.c_str(), 0755), 0) << theirs;
    auto r = run_berth("run", "--detach", "--bundle", bundle.path(), id);
    EXPECT_NE(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(has(r.err, theirs) && has(r.err, "already exists")) << r.describe();
    // Left alone, and nothing of ours left in the other hierarchies.
    EXPECT_EQ(::rmdir(theirs.c_str()), 0) << theirs;
    const std::string memory = hierarchies_.v1_for("memory")->mountpoint + "/" + id;
    EXPECT_NE(::access(memory.c_str(), F_OK), 0) << memory;
}

// runc 1.2+ (1.3.6's cgroups.bats "should error for a non-empty cgroup"): a
// container whose cgroup already has processes is refused, by run and create
// alike, and the cgroup and its processes are left as they were (runc 1.1
// only warned).
TEST_F(CgroupCli, ANonEmptyCgroupIsRefused) {
    const std::string first = start({"sleep", "100"});
    const std::string shared = cgroup_parent() + "/" + first;
    for (const char* command : {"run", "create"}) {
        auto bundle = make_bundle();
        bundle.spec.linux->cgroupsPath = shared;
        bundle.write();
        auto r = command == std::string("run") ? run_berth("run", "--detach", "--bundle", bundle.path(), last_id())
                                               : run_berth("create", "--bundle", bundle.path(), last_id());
        EXPECT_NE(r.exit_code, 0) << command << ": " << r.describe();
        EXPECT_TRUE(has(r.err, "container's cgroup is not empty: 1 process(es) found")) << r.describe();
        EXPECT_NE(run_berth("state", last_id()).exit_code, 0) << command << " left a container";
    }
    EXPECT_EQ(state_of(first).status, "running");
    EXPECT_EQ(trim(read_file(file(first, "pids", "cgroup.procs"))), std::to_string(state_of(first).pid));
    remove(first);
}

TEST_F(CgroupCli, EventsStreamsStatsEveryIntervalUntilTheContainerExits) {
    auto id = start({"sleep", "1"});
    auto ev = run_berth("events", "--interval", "100ms", id);
    EXPECT_EQ(ev.exit_code, 0) << ev.describe();
    size_t lines = 0;
    for (size_t pos = 0; (pos = ev.out.find("{\"type\":\"stats\",\"id\":\"" + id + "\"", pos)) != std::string::npos; ++pos)
        ++lines;
    EXPECT_GE(lines, 2u) << ev.out;  // one at once, then one per 100 ms of the 1 s sleep
    auto bad = run_berth("events", "--interval", "0s", id);
    EXPECT_NE(bad.exit_code, 0);
    remove(id);
}

TEST_F(CgroupCli, UpdateEveryRuncFlagThisHostSupports) {
    auto id = start({"sleep", "100"});
    auto r = run_berth("update", "--memory", "64M", "--memory-swap", "128M", "--memory-reservation", "32M",
                       "--cpuset-cpus", "0", "--cpuset-mems", "0", "--cpu-rt-period", "900000", id);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(value(id, "memory", "memory.limit_in_bytes"), std::to_string(64 << 20));
    EXPECT_EQ(value(id, "memory", "memory.memsw.limit_in_bytes"), std::to_string(128 << 20));
    EXPECT_EQ(value(id, "memory", "memory.soft_limit_in_bytes"), std::to_string(32 << 20));
    EXPECT_EQ(value(id, "cpuset", "cpuset.cpus"), "0");
    EXPECT_EQ(value(id, "cpuset", "cpuset.mems"), "0");
    EXPECT_EQ(value(id, "cpu", "cpu.rt_period_us"), "900000");
    // swap below memory is refused by the kernel, naming the file and the value
    r = run_berth("update", "--memory-swap", "16M", id);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "memory.memsw.limit_in_bytes")) << r.describe();
    // kernel memory is ignored with a warning, as runc 1.1
    r = run_berth("update", "--kernel-memory", "8M", id);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    if (runtime_is_berth()) {
        EXPECT_TRUE(has(r.err, "kernel")) << r.describe();
        // no resctrl on this host: refused with runc's words, not ignored
        r = run_berth("update", "--l3-cache-schema", "L3:0=f", id);
        EXPECT_NE(r.exit_code, 0);
        EXPECT_TRUE(has(r.err, "Intel RDT/CAT: l3 cache schema is not enabled")) << r.describe();
    }
    remove(id);
}

// runc 1.2+'s --cpu-burst and --cpu-idle. The burst may not exceed the quota,
// so a quota shrinking below the old burst needs the burst written first, and
// a burst growing past the old quota needs the quota first.
TEST_F(CgroupCli, UpdateCpuBurstAndIdleInEitherOrderOfTheQuota) {
    oci::Resources resources;
    resources.cpu = oci::CPU{};
    resources.cpu->quota = 500000;
    resources.cpu->period = 1000000;
    auto id = start({"sleep", "100"}, resources);
    if (::access(file(id, "cpu", "cpu.cfs_burst_us").c_str(), F_OK) != 0 ||
        ::access(file(id, "cpu", "cpu.idle").c_str(), F_OK) != 0) {
        remove(id);
        GTEST_SKIP() << "this kernel has no cpu.cfs_burst_us or cpu.idle";
    }
    apply_updates(id, {
        {{"--cpu-period", "900000", "--cpu-burst", "400000"},
         {{"cpu", "cpu.cfs_burst_us", "400000"}, {"cpu", "cpu.cfs_period_us", "900000"}}, "burst and period"},
        {{"--memory", "100M"}, {{"cpu", "cpu.cfs_burst_us", "400000"}}, "another flag leaves the burst alone"},
        {{"--cpu-quota", "200000", "--cpu-burst", "100000"},
         {{"cpu", "cpu.cfs_quota_us", "200000"}, {"cpu", "cpu.cfs_burst_us", "100000"}},
         "the quota shrinks below the old burst: the burst goes first"},
        {{"--cpu-quota", "800000", "--cpu-burst", "700000"},
         {{"cpu", "cpu.cfs_quota_us", "800000"}, {"cpu", "cpu.cfs_burst_us", "700000"}},
         "the burst grows past the old quota: the quota goes first"},
        {{"--cpu-burst", "0"}, {{"cpu", "cpu.cfs_burst_us", "0"}}, "no burst"},
        {{"--cpu-idle", "1"}, {{"cpu", "cpu.idle", "1"}}, "idle"},
        {{"--cpu-idle", "0"}, {{"cpu", "cpu.idle", "0"}}, "not idle"},
        {{"--cpu-idle", "1"}, {{"cpu", "cpu.idle", "1"}}, "idle again"},
    });
    // The kernel takes 0 and 1 only; the value stays.
    for (const char* bad : {"-1", "2"}) {
        auto r = run_berth("update", "--cpu-idle", bad, id);
        EXPECT_NE(r.exit_code, 0) << r.describe();
        EXPECT_EQ(value(id, "cpu", "cpu.idle"), "1");
    }
    auto r = run_berth("update", "--cpu-idle", "x", id);
    EXPECT_NE(r.exit_code, 0);
    if (runtime_is_berth()) {
        EXPECT_TRUE(has(r.err, "invalid value for cpu-idle: strconv.ParseInt: parsing"))
            << r.describe();
    }
    apply_updates(id, {
        // The kernel refuses shares while the group is idle: idle goes first.
        {{"--cpu-idle", "0", "--cpu-share", "512"}, {{"cpu", "cpu.idle", "0"}, {"cpu", "cpu.shares", "512"}},
         "leaving idle and taking shares in one update"},
        {{"--cpu-idle", "1"}, {{"cpu", "cpu.idle", "1"}}, "idle"},
        {{"--cpu-period", "100000"}, {{"cpu", "cpu.idle", "1"}}, "another flag leaves idle alone"},
    });
    remove(id);
}

TEST_F(CgroupCli, DeleteForceKillsEveryProcessInTheCgroupAndPausedOnes) {
    // runc 1.1 only kills the init of a container with its own pid namespace
    // (the kernel takes the rest of the namespace): a process that joined the
    // cgroup from outside survives and the cgroup is left behind.
    if (!runtime_is_berth()) GTEST_SKIP() << "runc 1.1 leaves it";
    auto id = start({"sleep", "100"});
    // a process that never was in the init's tree, moved into the container's cgroup
    pid_t stray = ::fork();
    if (stray == 0) {
        for (;;) ::pause();
    }
    std::vector<std::string> hierarchies;
    for (const auto& h : hierarchies_.v1) hierarchies.push_back(h.mountpoint);
    if (!hierarchies_.systemd.empty()) hierarchies.push_back(hierarchies_.systemd);
    if (!hierarchies_.unified.empty()) hierarchies.push_back(hierarchies_.unified);
    for (const auto& h : hierarchies) {
        std::ofstream procs(h + cgroup_parent() + "/" + id + "/cgroup.procs");
        procs << stray << std::flush;
        EXPECT_TRUE(procs.good()) << h;
    }
    ASSERT_EQ(run_berth("pause", id).exit_code, 0);  // frozen tasks die only once thawed
    remove(id);
    auto status = reap_within_30s(stray);
    ASSERT_TRUE(status) << "delete --force left a process of the container's cgroup alive";
    EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << *status;
}

// runc 1.2+ (kill.bats "kill KILL [host pidns + init gone]"): without a pid
// namespace of its own, only killing every process of the cgroup ends the
// container, so `kill ID KILL` does that, even once the init is gone; and
// the obsolete -a is no error on a stopped container.
TEST_F(CgroupCli, KillKillWithoutItsOwnPidNamespaceKillsTheWholeCgroup) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"sleep", "100"};
    auto& namespaces = bundle.spec.linux->namespaces;
    namespaces.erase(std::remove_if(namespaces.begin(), namespaces.end(),
                                    [](const oci::Namespace& ns) { return ns.type == oci::NamespaceType::pid; }),
                     namespaces.end());
    bundle.write();
    const std::string id = last_id();
    auto r = run_berth("run", "--detach", "--bundle", bundle.path(), id);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    // Two more processes of the container (children of this test, so it reaps them).
    std::vector<pid_t> others;
    for (int i = 0; i < 2; ++i) {
        pid_t pid = ::fork();
        if (pid == 0) {
            for (;;) ::pause();
        }
        others.push_back(pid);
        std::ofstream procs(file(id, "pids", "cgroup.procs"));
        procs << pid << std::flush;
        EXPECT_TRUE(procs.good());
    }
    const int init = state_of(id).pid;
    ASSERT_EQ(::kill(init, SIGKILL), 0);
    EXPECT_EQ(wait_for_status(id, "stopped"), "stopped");
    r = run_berth("kill", id, "KILL");
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    for (pid_t pid : others) {
        auto status = reap_within_30s(pid);
        ASSERT_TRUE(status) << "kill KILL left a process of the container's cgroup alive";
        EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << *status;
    }
    r = run_berth("kill", "--all", id, "0");
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(run_berth("delete", id).exit_code, 0);
}

TEST_F(CgroupCli, PauseFreezesAndResumeThaws) {
    auto id = start({"sleep", "100"});
    ASSERT_EQ(run_berth("pause", id).exit_code, 0);
    EXPECT_EQ(state_of(id).status, "paused");
    EXPECT_EQ(value(id, "freezer", "freezer.state"), "FROZEN");
    auto again = run_berth("pause", id);
    EXPECT_NE(again.exit_code, 0);
    EXPECT_TRUE(has(again.err, "container not running")) << again.describe();
    ASSERT_EQ(run_berth("resume", id).exit_code, 0);
    EXPECT_EQ(state_of(id).status, "running");
    EXPECT_EQ(value(id, "freezer", "freezer.state"), "THAWED");
    auto not_paused = run_berth("resume", id);
    EXPECT_NE(not_paused.exit_code, 0);
    EXPECT_TRUE(has(not_paused.err, "container not paused")) << not_paused.describe();
    // a paused container can still be deleted by force
    ASSERT_EQ(run_berth("pause", id).exit_code, 0);
    remove(id);
}

TEST_F(CgroupCli, PsListsTheContainersProcesses) {
    auto id = start({"sleep", "100"});
    int pid = state_of(id).pid;
    auto json = run_berth("ps", "--format", "json", id);
    ASSERT_EQ(json.exit_code, 0) << json.describe();
    EXPECT_EQ(trim(json.out), "[" + std::to_string(pid) + "]");
    auto table = run_berth("ps", id);
    ASSERT_EQ(table.exit_code, 0) << table.describe();
    EXPECT_TRUE(has(table.out, "PID")) << table.out;
    EXPECT_TRUE(has(table.out, "sleep 100")) << table.out;
    EXPECT_FALSE(has(table.out, "ps -ef")) << table.out;  // only the container's processes
    auto args = run_berth("ps", id, "-o", "pid,comm");
    ASSERT_EQ(args.exit_code, 0) << args.describe();
    EXPECT_TRUE(has(args.out, std::to_string(pid))) << args.out;
    auto bad = run_berth("ps", "--format", "yaml", id);
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_TRUE(has(bad.err, "invalid format option")) << bad.describe();
    remove(id);
}

TEST_F(CgroupCli, EventsStatsPrintsRuncsShape) {
    oci::Resources r;
    r.pids = oci::Pids{10};
    auto id = start({"sleep", "100"}, r);
    auto ev = run_berth("events", "--stats", id);
    ASSERT_EQ(ev.exit_code, 0) << ev.describe();
    EXPECT_TRUE(has(ev.out, "{\"type\":\"stats\",\"id\":\"" + id + "\",\"data\":{\"cpu\":")) << ev.out;
    EXPECT_TRUE(has(ev.out, "\"pids\":{\"current\":1,\"limit\":10}")) << ev.out;
    EXPECT_TRUE(has(ev.out, "\"memory\":{")) << ev.out;
    ASSERT_EQ(run_berth("kill", id, "KILL").exit_code, 0);
    EXPECT_EQ(wait_for_status(id, "stopped"), "stopped");
    auto stopped = run_berth("events", "--stats", id);
    EXPECT_NE(stopped.exit_code, 0);
    EXPECT_TRUE(has(stopped.err, "container with id " + id + " is not running")) << stopped.describe();
    remove(id);
}

TEST_F(CgroupCli, MemoryLimitOomKillsAndEventsReportsIt) {
    oci::Resources r;
    r.memory.emplace();
    r.memory->limit = 32 << 20;
    r.memory->swap = 32 << 20;  // no swap to escape into
    // The hog waits for /go so that `events` is watching before it starts.
    auto id = start({"sh", "-c",
                     "while [ ! -e /go ]; do sleep 0.05; done; "
                     "awk 'BEGIN{s=\"x\"; for(i=0;i<40;i++) s=s s; print length(s)}'"},
                    r);
    std::string out_path = dir() + "/events.out";
    pid_t events = ::fork();
    if (events == 0) {
        int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, 1);
        ::execl(runtime().c_str(), runtime().c_str(), "--root", state_root().c_str(), "events", "--interval", "1h",
                id.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    // events prints nothing until something happens: wait until its fd table
    // holds the OOM watch (an eventfd on v1)
    bool watching = false;
    for (int i = 0; i < 600 && !watching; ++i) {
        std::string fds = "/proc/" + std::to_string(events) + "/fd";
        for (int fd = 3; fd < 16 && !watching; ++fd) {
            char link[256] = {};
            ssize_t n = ::readlink((fds + "/" + std::to_string(fd)).c_str(), link, sizeof link - 1);
            watching = n > 0 && (has(link, "eventfd") || has(link, "inotify"));
        }
        if (!watching) ::usleep(50000);
    }
    ASSERT_TRUE(watching) << "events never set up its OOM watch";
    { std::ofstream(rootfs_ + "/go") << ""; }
    // events ends by itself when the container's init exits. It is reaped
    // before wait_for_status, whose reaping of reparented inits (waitpid(-1))
    // would take it too.
    auto status = reap_within_30s(events);
    ASSERT_TRUE(status) << "events did not end with the container";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
    EXPECT_EQ(wait_for_status(id, "stopped"), "stopped");
    EXPECT_TRUE(has(read_file(out_path), "{\"type\":\"oom\",\"id\":\"" + id + "\"}")) << read_file(out_path);
    EXPECT_TRUE(has(value(id, "memory", "memory.oom_control"), "oom_kill 1"));
    remove(id);
}

}  // namespace
}  // namespace berth::test
