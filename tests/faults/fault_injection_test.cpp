// Fault injection (issue 8): berth-faulty dies by SIGKILL at each phase of
// create, start, exec and delete in turn (fault_hook.cpp), and the container's
// init is SIGKILLed at each phase of create and start and between them. After
// every fault: `state` answers with a valid status or "container does not
// exist", `delete --force` succeeds, and nothing is left behind: no process,
// mount, cgroup directory, state directory (with its exec fifo) or fd of ours.
//
// The phases are not listed here: each step first runs once with
// BERTH_FAULT_LIST to record the phases it passes through, so phases added
// to the product are covered without editing this file.
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <atomic>
#include <set>
#include <sstream>
#include <thread>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

int open_fd_count() {
    int count = 0;
    DIR* d = opendir("/proc/self/fd");
    if (!d) return -1;
    while (dirent* e = readdir(d)) count += e->d_name[0] != '.';
    closedir(d);
    return count;
}

std::vector<std::string> unique_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::set<std::string> seen;
    std::stringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && seen.insert(line).second) lines.push_back(line);
    return lines;
}

// We are the subreaper of everything a killed berth leaves. A process that
// joined the container's pid namespace from outside (exec's) and lost its
// parent is reaped by us only; until then the namespace's init cannot finish
// dying, and `delete --force` waits for it. A manager's shim reaps at once:
// so do we, while commands run. The commands the harness runs lead their own
// process group in our session and are left to the harness's waitpid; an
// orphan is in another process group, or leads its own session (setsid).
class OrphanReaper {
public:
    OrphanReaper() : thread_([this] { loop(); }) {}
    ~OrphanReaper() {
        stop_ = true;
        thread_.join();
    }

private:
    void loop() {
        const std::string children = "/proc/self/task/" + std::to_string(getpid()) + "/children";
        while (!stop_) {
            std::stringstream pids(read_file(children));
            for (int pid; pids >> pid;) {
                std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
                auto close_paren = stat.rfind(')');
                if (close_paren == std::string::npos) continue;
                char state = 0;
                int ppid = 0, pgrp = 0, session = 0;
                std::stringstream(stat.substr(close_paren + 2)) >> state >> ppid >> pgrp >> session;
                if (state == 'Z' && (pgrp != pid || session == pid)) waitpid(pid, nullptr, WNOHANG);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// SIGKILLs every process of a container's cgroup `delay` after it was made,
// or as soon as the cgroup has one: the init at a random moment.
class CgroupKiller {
public:
    CgroupKiller(std::string cgroup, std::chrono::microseconds delay)
        : cgroup_(std::move(cgroup)), delay_(delay), thread_([this] { loop(); }) {}
    ~CgroupKiller() {
        stop_ = true;
        thread_.join();
    }

private:
    void loop() {
        std::this_thread::sleep_for(delay_);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!stop_ && std::chrono::steady_clock::now() < deadline) {
            for (const auto& hierarchy : cgroup_mount_points()) {
                std::stringstream pids(read_file(hierarchy + cgroup_ + "/cgroup.procs"));
                bool killed = false;
                for (int pid; pids >> pid; killed = true) kill(pid, SIGKILL);
                if (killed) return;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
    }

    std::string cgroup_;
    std::chrono::microseconds delay_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// Where a step leaves the container when it ran without a fault.
enum class Before { nothing, created, running };

struct Step {
    const char* name;
    Before before;
    std::vector<std::string> (*args)(const std::string& id);
};

const Step kCreate{"create", Before::nothing, nullptr};
const Step kStart{"start", Before::created, [](const std::string& id) { return std::vector<std::string>{"start", id}; }};
const Step kExec{"exec", Before::running, [](const std::string& id) { return std::vector<std::string>{"exec", id, "true"}; }};
const Step kDelete{"delete", Before::running,
                   [](const std::string& id) { return std::vector<std::string>{"delete", "--force", id}; }};

class FaultInjection : public IntegrationTest {
protected:
    // A container for one round: "created" or "running" as `before` says
    // (create itself is the step under test for Before::nothing).
    std::string prepare(Before before) {
        auto bundle = make_bundle();
        bundle.spec.process->args = {"sleep", "100"};
        bundle.write();
        bundles_[last_id()] = bundle.path();
        if (before == Before::nothing) return last_id();
        auto created = run_berth("create", "--bundle", bundle.path(), last_id());
        EXPECT_EQ(created.exit_code, 0) << created.describe();
        if (before == Before::running) {
            auto started = run_berth("start", last_id());
            EXPECT_EQ(started.exit_code, 0) << started.describe();
        }
        return last_id();
    }

    RunResult run_step(const Step& step, const std::string& id, std::vector<std::string> env) {
        RunOptions options;
        options.extra_env = std::move(env);
        options.timeout = std::chrono::seconds(30);
        std::vector<std::string> args =
            step.args ? step.args(id) : std::vector<std::string>{"create", "--bundle", bundles_[id], id};
        return run_berth_argv(args, options);
    }

    // The phases `step` passes through, in order.
    std::vector<std::string> discover(const Step& step) {
        std::string list = dir() + "/phases-" + step.name;
        std::string id = prepare(step.before);
        auto r = run_step(step, id, {"BERTH_FAULT_LIST=" + list});
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
        auto phases = unique_lines(read_file(list));
        EXPECT_FALSE(phases.empty()) << step.name << " passed no phase: is berth-faulty's hook linked?";
        std::cout << step.name << " phases (" << phases.size() << "):";
        for (const auto& phase : phases) std::cout << ' ' << phase;
        std::cout << std::endl;
        return phases;
    }

    // `state` after a fault: a status, or the container is gone.
    void expect_sensible_state(const std::string& id) {
        auto state = state_of(id);
        if (state.result.exit_code == 0) {
            static const std::set<std::string> statuses = {"creating", "created", "running", "stopped"};
            EXPECT_TRUE(statuses.count(state.status)) << state.result.describe();
        } else {
            EXPECT_TRUE(has(state.result.err, "container does not exist")) << state.result.describe();
        }
    }

    // delete --force works, and afterwards the container is gone.
    void force_delete(const std::string& id) {
        RunOptions bounded;
        bounded.timeout = std::chrono::seconds(20);
        auto deleted = run_berth_argv({"delete", "--force", id}, bounded);
        EXPECT_EQ(deleted.exit_code, 0) << deleted.describe();
        auto gone = run_berth("state", id);
        EXPECT_TRUE(has(gone.err, "container does not exist")) << gone.describe();
    }

    // Nothing left since `check` was made: the harness's leak check (state
    // dirs with their exec fifo, processes, mounts, cgroups) run for this
    // round, plus the caller's fds.
    void expect_nothing_left(LeakCheck& check, int fds_before) {
        for (const auto& leak : check.finish([this](const std::string& left) {
                 RunOptions quick;
                 quick.timeout = std::chrono::seconds(10);
                 run_berth_argv({"delete", "--force", left}, quick);
             }))
            ADD_FAILURE() << "leak: " << leak;
        EXPECT_EQ(open_fd_count(), fds_before) << "fds of the caller";
    }

    // One round: a fresh container, the step run with `env`, then the checks.
    // `during` runs between preparing and the step (e.g. to learn the init's pid).
    RunResult round(const Step& step, std::vector<std::string> env,
                    const std::function<void(const std::string&, std::vector<std::string>&)>& during = {}) {
        LeakCheck check(state_root(), cgroup_parent());
        const int fds_before = open_fd_count();
        RunResult r;
        {
            OrphanReaper reaper;
            std::string id = prepare(step.before);
            if (during) during(id, env);
            r = run_step(step, id, env);
            killer_.reset();
            EXPECT_FALSE(r.timed_out) << r.describe();
            // Failed, not killed: it says why.
            if (r.exit_code != 0 && r.exit_code != 128 + SIGKILL) {
                EXPECT_FALSE(r.err.empty()) << r.describe();
            }
            expect_sensible_state(id);
            force_delete(id);
        }
        expect_nothing_left(check, fds_before);
        return r;
    }

    void kill_berth_at_every_phase(const Step& step) {
        auto phases = discover(step);
        for (const auto& phase : phases) {
            SCOPED_TRACE(std::string(step.name) + " killed at " + phase);
            auto r = round(step, {"BERTH_FAULT_AT=" + phase});
            EXPECT_NE(r.exit_code, 0) << "the fault did not fire: " << r.describe();
        }
        RecordProperty(std::string(step.name) + "_phases", static_cast<int>(phases.size()));
    }

    std::map<std::string, std::string> bundles_;
    std::optional<CgroupKiller> killer_;  // set by a round's `during`, ends with its step
};

TEST_F(FaultInjection, BerthKilledAtEveryPhaseOfCreate) { kill_berth_at_every_phase(kCreate); }
TEST_F(FaultInjection, BerthKilledAtEveryPhaseOfStart) { kill_berth_at_every_phase(kStart); }
TEST_F(FaultInjection, BerthKilledAtEveryPhaseOfExec) { kill_berth_at_every_phase(kExec); }
TEST_F(FaultInjection, BerthKilledAtEveryPhaseOfDelete) { kill_berth_at_every_phase(kDelete); }

// berth-faulty SIGKILLs its children (the init it cloned) at each phase of create.
TEST_F(FaultInjection, InitKilledAtEveryPhaseOfCreate) {
    for (const auto& phase : discover(kCreate)) {
        SCOPED_TRACE("init killed at create's " + phase);
        round(kCreate, {"BERTH_FAULT_KILL_INIT_AT=" + phase});
    }
}

// The init dies between create and start: it is stopped, start refuses, delete works.
TEST_F(FaultInjection, InitKilledBetweenCreateAndStart) {
    LeakCheck check(state_root(), cgroup_parent());
    const int fds_before = open_fd_count();
    std::string id = prepare(Before::created);
    auto created = state_of(id);
    ASSERT_GT(created.pid, 0) << created.result.describe();
    ASSERT_EQ(kill(created.pid, SIGKILL), 0);
    EXPECT_EQ(wait_for_status(id, "stopped"), "stopped");
    auto start = run_berth("start", id);
    EXPECT_NE(start.exit_code, 0);
    EXPECT_TRUE(has(start.err, "cannot start a container that has stopped")) << start.describe();
    auto deleted = run_berth("delete", id);
    EXPECT_EQ(deleted.exit_code, 0) << deleted.describe();
    EXPECT_TRUE(has(run_berth("state", id).err, "container does not exist"));
    expect_nothing_left(check, fds_before);
}

// berth-faulty SIGKILLs the created container's init at each phase of start.
TEST_F(FaultInjection, InitKilledAtEveryPhaseOfStart) {
    for (const auto& phase : discover(kStart)) {
        SCOPED_TRACE("init killed at start's " + phase);
        round(kStart, {"BERTH_FAULT_KILL_INIT_AT=" + phase}, [this](const std::string& id, std::vector<std::string>& env) {
            env.push_back("BERTH_FAULT_INIT_PID=" + std::to_string(state_of(id).pid));
        });
    }
}

// The init SIGKILLed at random moments of create and of start (from outside,
// through its cgroup); the seed is printed to replay a failure.
TEST_F(FaultInjection, InitKilledAtRandomMomentsOfCreateAndStart) {
    const unsigned seed = std::random_device{}();
    std::cout << "seed " << seed << std::endl;
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> delay_us(0, 30000);
    for (const Step* step : {&kCreate, &kCreate, &kCreate, &kCreate, &kCreate, &kCreate, &kStart, &kStart, &kStart}) {
        const std::chrono::microseconds delay(delay_us(random));
        SCOPED_TRACE(std::string("init killed ") + std::to_string(delay.count()) + " us into " + step->name +
                     " (seed " + std::to_string(seed) + ")");
        auto r = round(*step, {}, [this, delay](const std::string& id, std::vector<std::string>&) {
            killer_.emplace(cgroup_parent() + "/" + id, delay);
        });
        std::cout << "init killed " << delay.count() << " us into " << step->name << ": exit " << r.exit_code << ' '
                  << r.err;
        if (r.err.empty() || r.err.back() != '\n') std::cout << '\n';
    }
}

}  // namespace
}  // namespace berth::test
