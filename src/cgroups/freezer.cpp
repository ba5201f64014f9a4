#include "berth/cgroups/freezer.hpp"

#include "berth/cgroups/files.hpp"
#include "berth/cgroups/wait.hpp"

namespace berth::cgroups {
namespace {

bool v2_freezer(const Cgroup& cg) { return cg.v1_dir("freezer").empty(); }

// v2: "frozen 1" in cgroup.events once every task is stopped.
Result<bool> v2_frozen(const std::string& dir) {
    BERTH_TRY_ASSIGN(std::string events, read_file(dir + "/cgroup.events"));
    return events.find("frozen 1") != std::string::npos;
}

}  // namespace

Status set_frozen(const Cgroup& cg, bool frozen) {
    if (!v2_freezer(cg)) {
        std::string file = cg.v1_dir("freezer") + "/freezer.state";
        const char* want = frozen ? "FROZEN" : "THAWED";
        Status st;
        // The kernel may stay in FREEZING while tasks are busy: ask again.
        bool done = wait_until([&] {
            st = write_file(file, want);
            if (!st) return true;
            auto now = read_line(file);
            return now && *now == want;
        });
        BERTH_TRY(st);
        if (!done) {
            (void)write_file(file, "THAWED");
            return Error::msg(std::string("cgroup \"") + cg.path() + "\" did not reach " + want);
        }
        return {};
    }
    std::string dir = cg.unified_dir();
    if (dir.empty()) return Error::msg("no freezer: neither a v1 freezer nor cgroup v2 is mounted");
    BERTH_TRY(write_file(dir + "/cgroup.freeze", frozen ? "1" : "0"));
    Status st;
    bool done = wait_until([&] {
        auto now = v2_frozen(dir);
        if (!now) {
            st = std::move(now).error();
            return true;
        }
        return *now == frozen;
    });
    BERTH_TRY(st);
    if (!done) return Error::msg("cgroup \"" + dir + "\" did not reach frozen=" + (frozen ? "1" : "0"));
    return {};
}

Result<FreezerState> read_frozen(const Cgroup& cg) {
    if (!v2_freezer(cg)) {
        BERTH_TRY_ASSIGN(std::string state, read_line(cg.v1_dir("freezer") + "/freezer.state"));
        return state == "THAWED" ? FreezerState::thawed : FreezerState::frozen;
    }
    std::string dir = cg.unified_dir();
    if (dir.empty()) return FreezerState::thawed;
    // cgroup.freeze is what was asked; a paused container reads 1 there.
    auto want = read_line(dir + "/cgroup.freeze");
    if (!want) return std::move(want).error();
    return want->compare("1") == 0 ? FreezerState::frozen : FreezerState::thawed;
}

}  // namespace berth::cgroups
