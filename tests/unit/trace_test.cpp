#include "berth/util/trace.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth::trace {
namespace {

constexpr std::uint64_t kMs = 1000000;

TEST(TraceSummary, EachPhaseLastsUntilTheNextOfTheSameProcess) {
    // berth and the child interleave; the child's phases must not end at berth's stamps.
    std::vector<Stamp> stamps = {
        {"parse", 100 * kMs, 0},     {"clone", 101 * kMs, 0},      {"setup", 102 * kMs, 1},
        {"sync", 103 * kMs, 0},      {"mounts", 105 * kMs, 1},     {"ready", 109 * kMs, 1},
        {"record", 110 * kMs, 0},
    };
    auto lines = summary("create", stamps, 100 * kMs, 112 * kMs);
    ASSERT_EQ(lines.size(), 8u);
    EXPECT_EQ(lines[0], "trace create: 12.000 ms (berth 12.000 ms in phases, child 7.000 ms)");
    EXPECT_EQ(lines[1], "berth parse             1.000 ms  at +0.000 ms");
    EXPECT_EQ(lines[3], "child setup             3.000 ms  at +2.000 ms");
    EXPECT_EQ(lines[4], "berth sync              7.000 ms  at +3.000 ms");
    EXPECT_EQ(lines[5], "child mounts            4.000 ms  at +5.000 ms");
    // The child's last phase has no end berth can see: only its offset.
    EXPECT_EQ(lines[6], "child ready                       at +9.000 ms");
    // berth's last phase lasts until the command ends.
    EXPECT_EQ(lines[7], "berth record            2.000 ms  at +10.000 ms");
}

TEST(TraceSummary, StampsAreOrderedByTimeNotBySlot) {
    // Slots are taken with an atomic increment, so a later slot may hold an earlier time.
    std::vector<Stamp> stamps = {{"b", 3 * kMs, 0}, {"a", 1 * kMs, 0}};
    auto lines = summary("run", stamps, 0, 4 * kMs);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_NE(lines[1].find("berth a "), std::string::npos);
    EXPECT_NE(lines[1].find("2.000 ms  at +1.000 ms"), std::string::npos);
    EXPECT_NE(lines[2].find("berth b "), std::string::npos);
    EXPECT_NE(lines[2].find("1.000 ms  at +3.000 ms"), std::string::npos);
    EXPECT_EQ(lines[0], "trace run: 4.000 ms (berth 3.000 ms in phases, child 0.000 ms)");
}

TEST(TraceSummary, NoPhasesGivesOnlyTheTotal) {
    auto lines = summary("exec", {}, 5 * kMs, 7500000);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], "trace exec: 2.500 ms (berth 0.000 ms in phases, child 0.000 ms)");
}

TEST(TraceDebugLine, NamesTheProcessAndThePhase) {
    EXPECT_EQ(debug_line(Stamp{"pivot_root", 3250000, 1}, 1000000), "phase child/pivot_root at +2.250 ms");
    EXPECT_EQ(debug_line(Stamp{"cgroup", 1000000, 0}, 1000000), "phase berth/cgroup at +0.000 ms");
}

TEST(TracePhase, OffCostsNothingAndRecordsNothing) {
    // The unit-test binary defines no fault hook and never enables tracing.
    EXPECT_FALSE(detail::g_active);
    phase("parse");  // must be a no-op (no page mapped, nothing logged)
}

}  // namespace
}  // namespace berth::trace
