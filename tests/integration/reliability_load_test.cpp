// Load (issue 8): many create/start/delete cycles from parallel callers and
// many live containers at once, with the host counted before and after.
// Times are printed for people to read; nothing here asserts on them.
#include <sys/prctl.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <rapidjson/document.h>

#include "harness/harness.hpp"
#include "reliability_support.hpp"

namespace berth::test {
namespace {

using namespace reliability;
using Clock = std::chrono::steady_clock;

constexpr int kWorkers = 8;
constexpr int kCycles = 1000;   // create/start/delete, split over the workers
constexpr int kAlive = 200;     // containers running at once

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

class Load : public IntegrationTest {
protected:
    // Cheapest container there is: /bin/true (busybox), no hooks.
    Bundle true_bundle(const std::string& cgroup_leaf) {
        Bundle b = make_bundle(cgroup_leaf);
        b.spec.process->args = {"/bin/true"};
        b.write();
        return b;
    }

    RunResult run_in_worker(int worker, const std::vector<std::string>& args) {
        std::vector<std::string> argv = {runtime(), "--root", state_root()};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, dir() + "/worker-" + std::to_string(worker));
    }

    // The first failure a worker saw, for the assertion message.
    std::string failure_file(int worker) const { return dir() + "/worker-" + std::to_string(worker) + ".failure"; }
    int fail(int worker, const RunResult& r) {
        std::ofstream(failure_file(worker)) << r.describe();
        return 1;
    }
    // Every worker exited 0; otherwise its first failure is the message.
    void expect_workers_ok(const std::vector<int>& codes) {
        for (size_t w = 0; w < codes.size(); ++w)
            EXPECT_EQ(codes[w], 0) << "worker " << w << ": " << read_file(failure_file(static_cast<int>(w)));
    }
};

TEST_F(Load, ThousandCreateStartDeleteCyclesEightInParallel) {
    // One bundle per worker (its cgroupsPath is reused by that worker's
    // containers, one after another); every cycle uses a fresh id.
    std::vector<std::string> bundles;
    for (int w = 0; w < kWorkers; ++w) bundles.push_back(true_bundle("worker-" + std::to_string(w)).path());
    const HostCounts before = count_host(state_root(), cgroup_parent());

    // One more worker lists all the time: containers being created or deleted
    // are skipped silently, never reported as broken. The root exists from the
    // start: `list` of a missing --root is an error, as in runc 1.3.
    fs::create_directories(state_root());
    auto done_flag = [&](int w) { return dir() + "/done-" + std::to_string(w); };
    auto all_done = [&] {
        for (int w = 0; w < kWorkers; ++w)
            if (!fs::exists(done_flag(w))) return false;
        return true;
    };
    // The init of each container reparents to the worker when `create` exits
    // (the worker is a subreaper), so waiting for it needs no polling of `state`.
    auto cycles = [&](int w) {
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) return 3;
        for (int i = w; i < kCycles; i += kWorkers) {
            const std::string id = "cycle-" + std::to_string(i);
            RunResult r = run_in_worker(w, {"create", "--bundle", bundles[static_cast<size_t>(w)], id});
            if (r.exit_code != 0) return fail(w, r);
            r = run_in_worker(w, {"start", id});
            if (r.exit_code != 0) return fail(w, r);
            int status = 0;
            if (waitpid(-1, &status, 0) < 0) return 4;  // the init: our only child left
            r = run_in_worker(w, {"delete", id});
            if (r.exit_code != 0) return fail(w, r);
        }
        return 0;
    };
    int lists = 0;
    const auto start = Clock::now();
    auto codes = run_workers(kWorkers + 1, [&](int w) {
        if (w < kWorkers) {
            int code = cycles(w);
            std::ofstream{done_flag(w)};
            return code;
        }
        for (; !all_done(); ++lists) {
            RunResult r = run_in_worker(w, {"list", "--format", "json"});
            if (r.exit_code != 0 || !r.err.empty()) return fail(w, r);
        }
        std::ofstream(dir() + "/lists") << lists;
        return 0;
    });
    const double took = seconds_since(start);
    expect_workers_ok(codes);
    std::printf("[ load ] %d create/start/delete cycles, %d in parallel: %.1f s (%.1f ms per cycle per worker); "
                "%s lists meanwhile\n",
                kCycles, kWorkers, took, took * 1000.0 * kWorkers / kCycles, read_file(dir() + "/lists").c_str());

    EXPECT_EQ(lasting_growth(before, state_root(), cgroup_parent()), "") << "left behind";
    auto listed = run_berth("list", "-q");
    EXPECT_EQ(listed.exit_code, 0) << listed.describe();
    EXPECT_EQ(listed.out, "");
}

TEST_F(Load, TwoHundredLiveContainersStillListAndState) {
    Bundle first = make_bundle("alive-0");
    first.spec.process->args = {"/bin/sleep", "600"};
    first.write();
    std::vector<std::string> bundles = {first.path()};
    for (int i = 1; i < kAlive; ++i) {
        bundles.push_back(write_bundle_sharing_rootfs(dir() + "/alive-bundle-" + std::to_string(i), first.spec,
                                                      first.rootfs(),
                                                      cgroup_parent() + "/alive-" + std::to_string(i)));
    }
    auto id_of = [](int i) { return "alive-" + std::to_string(i); };
    const HostCounts before = count_host(state_root(), cgroup_parent());

    auto start = Clock::now();
    auto codes = run_workers(kWorkers, [&](int w) {
        for (int i = w; i < kAlive; i += kWorkers) {
            RunResult r = run_in_worker(w, {"create", "--bundle", bundles[static_cast<size_t>(i)], id_of(i)});
            if (r.exit_code != 0) return fail(w, r);
            r = run_in_worker(w, {"start", id_of(i)});
            if (r.exit_code != 0) return fail(w, r);
        }
        return 0;
    });
    std::printf("[ load ] %d containers created and started, %d in parallel: %.1f s\n", kAlive, kWorkers,
                seconds_since(start));
    expect_workers_ok(codes);

    start = Clock::now();
    auto listed = run_berth("list", "--format", "json");
    std::printf("[ load ] list --format json of %d live containers: %.1f ms\n", kAlive, seconds_since(start) * 1000);
    ASSERT_EQ(listed.exit_code, 0) << listed.describe();
    EXPECT_EQ(listed.err, "");
    rapidjson::Document doc;
    doc.Parse(listed.out.c_str());
    ASSERT_TRUE(doc.IsArray()) << listed.out.substr(0, 200);
    EXPECT_EQ(doc.Size(), static_cast<rapidjson::SizeType>(kAlive));
    int running = 0;
    for (const auto& c : doc.GetArray()) running += std::string(c["status"].GetString()) == "running";
    EXPECT_EQ(running, kAlive);

    start = Clock::now();
    auto table = run_berth("list");
    std::printf("[ load ] list (table): %.1f ms\n", seconds_since(start) * 1000);
    EXPECT_EQ(table.exit_code, 0) << table.describe();

    start = Clock::now();
    ContainerState state = state_of(id_of(kAlive / 2));
    std::printf("[ load ] state of one of %d: %.1f ms\n", kAlive, seconds_since(start) * 1000);
    EXPECT_EQ(state.status, "running") << state.result.describe();

    start = Clock::now();
    codes = run_workers(kWorkers, [&](int w) {
        for (int i = w; i < kAlive; i += kWorkers) {
            RunResult r = run_in_worker(w, {"delete", "--force", id_of(i)});
            if (r.exit_code != 0) return fail(w, r);
        }
        return 0;
    });
    std::printf("[ load ] %d containers deleted (--force), %d in parallel: %.1f s\n", kAlive, kWorkers,
                seconds_since(start));
    expect_workers_ok(codes);

    EXPECT_EQ(lasting_growth(before, state_root(), cgroup_parent()), "") << "left behind";
}

}  // namespace
}  // namespace berth::test
