// Races (issue 8): concurrent commands on one container id, and state files a
// crash could leave behind. Every command is a separate process, as when
// several managers (or a manager and a person) drive the same runtime.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <rapidjson/document.h>

#include <fstream>
#include <set>

#include "harness/harness.hpp"
#include "reliability_support.hpp"

namespace berth::test {
namespace {

using namespace reliability;

constexpr int kRacers = 8;

// Statuses `state` may report; anything else (or unparsable output) is a corrupt state.
const std::set<std::string> kStatuses = {"creating", "created", "running", "paused", "stopped"};

class Races : public IntegrationTest {
protected:
    std::vector<std::string> berth_argv(const std::vector<std::string>& args) const {
        std::vector<std::string> argv = {runtime(), "--root", state_root()};
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    }

    // How many of `results` succeeded; every other one must have ended in time
    // with one error line containing `loser_says`.
    static int winners_among(const std::vector<RunResult>& results, const std::string& loser_says) {
        int winners = 0;
        for (const auto& r : results) {
            EXPECT_FALSE(r.timed_out) << r.describe();
            if (r.exit_code == 0) {
                ++winners;
                continue;
            }
            EXPECT_NE(r.err.find(loser_says), std::string::npos) << r.describe();
            std::string why;
            EXPECT_NE(one_error_line(r, &why), "") << why;
        }
        return winners;
    }

    // `state` and `list` still parse and agree with each other.
    void expect_state_and_list_parse(const std::string& id) {
        ContainerState state = state_of(id);
        EXPECT_EQ(state.result.exit_code, 0) << state.result.describe();
        EXPECT_TRUE(kStatuses.count(state.status)) << state.result.describe();
        auto listed = run_berth("list", "--format", "json");
        ASSERT_EQ(listed.exit_code, 0) << listed.describe();
        EXPECT_EQ(listed.err, "");
        rapidjson::Document doc;
        doc.Parse(listed.out.c_str());
        ASSERT_TRUE(doc.IsArray()) << listed.out;
        ASSERT_EQ(doc.Size(), 1u) << listed.out;
        EXPECT_EQ(std::string(doc[0]["id"].GetString()), id);
    }
};

TEST_F(Races, OfEightCreatesOfOneIdExactlyOneWins) {
    // runc 1.1.5 takes no lock: racers that pass its existence check remove each
    // other's state and cgroups (0 or 2 "winners", an init left running).
    if (!runtime_is_berth()) GTEST_SKIP() << "runc 1.1.5 has no lock on create";
    Bundle b = make_bundle();
    b.spec.process->args = {"/bin/sleep", "600"};
    b.write();
    const std::string id = last_id();
    std::vector<std::vector<std::string>> commands(kRacers, berth_argv({"create", "--bundle", b.path(), id}));

    // runc: "runc create failed: container with given ID already exists".
    EXPECT_EQ(winners_among(run_concurrently(commands, dir() + "/create"), "container with given ID already exists"), 1);
    EXPECT_EQ(state_of(id).status, "created");
    auto deleted = run_berth("delete", "--force", id);
    EXPECT_EQ(deleted.exit_code, 0) << deleted.describe();
}

// Of 8 `start`s of one created container exactly one releases it; the others
// are refused with runc's "cannot start an already running container".
TEST_F(Races, OfEightStartsOfOneContainerExactlyOneWins) {
    // runc 1.1.5 does not lock: every loser opens the exec fifo and blocks forever.
    if (!runtime_is_berth()) GTEST_SKIP() << "runc 1.1.5 hangs here (the losers block on the exec fifo)";
    Bundle b = make_bundle();
    b.spec.process->args = {"/bin/sleep", "600"};
    b.write();
    const std::string id = last_id();
    ASSERT_EQ(run_berth("create", "--bundle", b.path(), id).exit_code, 0);
    std::vector<std::vector<std::string>> commands(kRacers, berth_argv({"start", id}));
    EXPECT_EQ(winners_among(run_concurrently(commands, dir() + "/start"), "cannot start an already running container"), 1);
    EXPECT_EQ(state_of(id).status, "running");
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
}

// Of 8 `delete`s of one stopped container exactly one deletes it; the others
// say "container does not exist" (what managers match to treat it as gone).
TEST_F(Races, OfEightDeletesOfOneStoppedContainerExactlyOneWins) {
    Bundle b = make_bundle();
    b.spec.process->args = {"/bin/true"};
    b.write();
    const std::string id = last_id();
    ASSERT_EQ(run_berth("create", "--bundle", b.path(), id).exit_code, 0);
    ASSERT_EQ(run_berth("start", id).exit_code, 0);
    ASSERT_EQ(wait_for_status(id, "stopped"), "stopped");
    std::vector<std::vector<std::string>> commands(kRacers, berth_argv({"delete", id}));
    const int winners = winners_among(run_concurrently(commands, dir() + "/delete"), "container does not exist");
    // runc 1.1.5 has no lock: two deletes can both get through.
    if (runtime_is_berth()) {
        EXPECT_EQ(winners, 1);
    } else {
        EXPECT_GE(winners, 1);
    }
}

// kill, pause, resume, state, list and (non-forced) delete on one running
// container, all at once, several rounds: whatever wins, `state` always parses
// and names a real status, and `delete --force` afterwards cleans up.
TEST_F(Races, ConcurrentKillPauseResumeStateDeleteNeverCorruptState) {
    Bundle b = make_bundle();
    b.spec.process->args = {"/bin/sleep", "600"};
    b.write();
    const std::string id = last_id();
    ASSERT_EQ(run_berth("create", "--bundle", b.path(), id).exit_code, 0);
    ASSERT_EQ(run_berth("start", id).exit_code, 0);

    const std::vector<std::vector<std::string>> ops = {
        {"state", id}, {"pause", id},  {"kill", id, "CONT"},  {"resume", id},
        {"list", "-q"}, {"delete", id}, {"state", id},        {"kill", "--all", id, "CONT"},
    };
    for (int round = 0; round < 12; ++round) {
        std::vector<std::vector<std::string>> commands;
        for (int i = 0; i < kRacers; ++i) commands.push_back(berth_argv(ops[static_cast<size_t>((i + round) % ops.size())]));
        auto results = run_concurrently(commands, dir() + "/round-" + std::to_string(round));
        for (const auto& r : results) {
            EXPECT_FALSE(r.timed_out) << r.describe();
            EXPECT_LT(r.exit_code, 128) << "killed by a signal: " << r.describe();
            if (r.exit_code != 0) {
                // A refusal ("container not running", "... that is not stopped") is one line.
                std::string why;
                EXPECT_NE(one_error_line(r, &why), "") << why;
            } else if (r.argv[3] == "state") {
                rapidjson::Document doc;
                doc.Parse(r.out.c_str());
                ASSERT_TRUE(doc.IsObject() && doc.HasMember("status")) << r.describe();
                EXPECT_TRUE(kStatuses.count(doc["status"].GetString())) << r.describe();
            }
        }
        expect_state_and_list_parse(id);
    }
    // The container is running or paused (no op above stops it).
    const std::string status = state_of(id).status;
    EXPECT_TRUE(status == "running" || status == "paused") << status;

    // Now the ones that end it: SIGKILL, delete --force, state, all at once.
    std::vector<std::vector<std::string>> enders = {
        berth_argv({"kill", id, "KILL"}),  berth_argv({"delete", "--force", id}), berth_argv({"state", id}),
        berth_argv({"delete", "--force", id}), berth_argv({"pause", id}),          berth_argv({"list"}),
        berth_argv({"resume", id}),         berth_argv({"delete", "--force", id}),
    };
    for (const auto& r : run_concurrently(enders, dir() + "/end")) {
        EXPECT_FALSE(r.timed_out) << r.describe();
        EXPECT_LT(r.exit_code, 128) << r.describe();
        if (r.argv[3] == "delete") {
            EXPECT_EQ(r.exit_code, 0) << r.describe();  // --force: gone either way
        }
    }
    ContainerState gone = state_of(id);
    EXPECT_NE(gone.result.exit_code, 0);
    EXPECT_NE(gone.result.err.find("container does not exist"), std::string::npos) << gone.result.describe();
    auto listed = run_berth("list", "-q");
    EXPECT_EQ(listed.exit_code, 0) << listed.describe();
    EXPECT_EQ(listed.out, "");
}

// state.json is replaced by rename, so a crash mid-write leaves at most a
// temporary file next to the intact state.
TEST_F(Races, LeftoverTemporaryStateFileIsHarmless) {
    Bundle b = make_bundle();
    b.spec.process->args = {"/bin/sleep", "600"};
    b.write();
    const std::string id = last_id();
    ASSERT_EQ(run_berth("create", "--bundle", b.path(), id).exit_code, 0);
    const std::string state_file = state_root() + "/" + id + "/state.json";
    ASSERT_TRUE(fs::exists(state_file)) << "where does this runtime keep its state?";
    std::ofstream(state_root() + "/" + id + "/.state.json.tmp") << read_file(state_file).substr(0, 17);

    expect_state_and_list_parse(id);
    EXPECT_EQ(state_of(id).status, "created");
    auto deleted = run_berth("delete", "--force", id);
    EXPECT_EQ(deleted.exit_code, 0) << deleted.describe();
    EXPECT_FALSE(fs::exists(state_root() + "/" + id)) << "delete left the temporary file's directory";
}

// A container directory whose state is unreadable (a create killed before its
// first state write; state.json damaged by something else): `list` still lists
// the good ones, exits 0 and names the broken one on stderr as runc does
// ("load container ID: ..."); `state` of it fails with one line; `delete
// --force` removes it (runc 1.1 keeps a damaged one: "unexpected EOF").
TEST_F(Races, BrokenStateFilesDoNotBreakList) {
    Bundle b = make_bundle();
    b.spec.process->args = {"/bin/sleep", "600"};
    b.write();
    const std::string good = last_id();
    ASSERT_EQ(run_berth("create", "--bundle", b.path(), good).exit_code, 0);

    const std::string truncated = new_id(), garbage = new_id(), empty = new_id();
    const std::string good_state = read_file(state_root() + "/" + good + "/state.json");
    for (const auto& id : {truncated, garbage, empty}) fs::create_directory(state_root() + "/" + id);
    std::ofstream(state_root() + "/" + truncated + "/state.json") << good_state.substr(0, good_state.size() / 2);
    std::ofstream(state_root() + "/" + garbage + "/state.json") << "\x01\x02 not json";
    std::ofstream(state_root() + "/" + empty + "/.state.json.tmp") << "{";

    auto listed = run_berth("list", "-q");
    EXPECT_EQ(listed.exit_code, 0) << listed.describe();
    EXPECT_EQ(listed.out, good + "\n");
    for (const auto& id : {truncated, garbage, empty}) {
        EXPECT_NE(listed.err.find("load container " + id + ": "), std::string::npos) << listed.describe();

        ContainerState state = state_of(id);
        EXPECT_NE(state.result.exit_code, 0) << state.result.describe();
        std::string why;
        EXPECT_NE(one_error_line(state.result, &why), "") << why;

        auto deleted = run_berth("delete", "--force", id);
        if (!runtime_is_berth() && id != empty) {
            // runc 1.1 refuses to delete what it cannot load, even with --force.
            EXPECT_NE(deleted.exit_code, 0) << deleted.describe();
            fs::remove_all(state_root() + "/" + id);
            continue;
        }
        EXPECT_EQ(deleted.exit_code, 0) << deleted.describe();
        EXPECT_FALSE(fs::exists(state_root() + "/" + id)) << deleted.describe();
    }
    EXPECT_EQ(run_berth("delete", "--force", good).exit_code, 0);
}

}  // namespace
}  // namespace berth::test
