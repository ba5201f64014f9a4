// What a test may leave behind on the host, checked after every test:
// mounts, live processes, cgroup directories and container state.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace berth::test {

// Makes this test process a child subreaper in a private mount namespace
// (once per process). Orphaned container processes then reparent to us, so
// "our children still alive after the test" is exactly the leaked processes,
// and the mounts the runtime makes in its own namespace are ours alone to
// compare (other engineers' mounts do not show up and ours never reach the host).
void isolate_test_process();

class LeakCheck {
public:
    // Snapshot before the test. `state_root` is the runtime's --root for the
    // test; `cgroup_parent` the cgroup (relative to each hierarchy) under which
    // the test's containers are placed.
    LeakCheck(std::string state_root, std::string cgroup_parent);

    // Finds what the test left behind, cleans it up (so one leaking test does
    // not break the next) and returns one line per leak. `delete_container` is
    // called with each id left in the state root.
    template <typename DeleteFn>
    std::vector<std::string> finish(DeleteFn&& delete_container) {
        std::vector<std::string> leaks;
        for (const auto& id : leftover_state()) {
            leaks.push_back("state left in " + state_root_ + ": " + id);
            delete_container(id);
        }
        collect_processes(leaks);
        collect_mounts(leaks);
        collect_cgroups(leaks);
        return leaks;
    }

    // A container process the test saw (e.g. the pid from `state`): it must be
    // gone at the end even if it is not our child.
    void track(int pid);

    // Reaps exited children (zombies of containers that reparented to us).
    static void reap_exited();

private:
    std::vector<std::string> leftover_state() const;
    void collect_processes(std::vector<std::string>& leaks) const;
    void collect_mounts(std::vector<std::string>& leaks) const;
    void collect_cgroups(std::vector<std::string>& leaks) const;

    std::string state_root_;
    std::string cgroup_parent_;
    std::map<std::string, std::string> mount_ids_;  // mount id -> mount point
    std::map<int, std::string> tracked_;  // pid -> start time, so a recycled pid is not blamed
};

// Mount points of every cgroup (v1 and v2) hierarchy visible to us.
std::vector<std::string> cgroup_mount_points();

}  // namespace berth::test
