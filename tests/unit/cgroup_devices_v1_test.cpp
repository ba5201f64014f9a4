// The v1 devices controller model: what a rule list leaves in the kernel, how
// devices.list reads, and the minimal writes between two states.
#include <gtest/gtest.h>

#include <algorithm>

#include "berth/cgroups/devices.hpp"
#include "berth/cgroups/devices_v1.hpp"

using namespace berth::cgroups;

namespace {

// A device rule: allow, type, major, minor (-1: any), access.
using Rule = oci::DeviceCgroup;

DeviceState state(const std::string& list) {
    auto s = parse_devices_list(list);
    EXPECT_TRUE(s.ok()) << s.error().what();
    return s.ok() ? *s : DeviceState{};
}

// Applies `writes` to `s` as the kernel does (v1 semantics).
DeviceState kernel_after(DeviceState s, const std::vector<DeviceWrite>& writes) {
    std::vector<oci::DeviceCgroup> rules;
    // Start from `s` expressed as rules, then the writes as rules.
    rules.push_back(Rule{s.default_allow, "a", -1, -1, "rwm"});
    for (const auto& [key, bits] : s.exceptions) {
        std::string acc;
        if (bits & kDeviceRead) acc += 'r';
        if (bits & kDeviceWrite) acc += 'w';
        if (bits & kDeviceMknod) acc += 'm';
        rules.push_back(Rule{!s.default_allow, key.type == 'c' ? "c" : "b", key.major, key.minor, acc.c_str()});
    }
    for (const auto& w : writes) {
        char type[2] = {w.line[0], 0};
        size_t sp1 = 1, colon = w.line.find(':'), sp2 = w.line.find(' ', colon);
        auto num = [](const std::string& s) { return s == "*" ? int64_t{-1} : std::stoll(s); };
        rules.push_back(Rule{w.allow, type, num(w.line.substr(sp1 + 1, colon - sp1 - 1)),
                             num(w.line.substr(colon + 1, sp2 - colon - 1)), w.line.substr(sp2 + 1).c_str()});
    }
    auto out = emulate_device_rules(rules);
    EXPECT_TRUE(out.ok());
    return out.ok() ? *out : DeviceState{};
}

}  // namespace

TEST(CgroupDevicesV1, RulesStartFromDenyAllAndMergeLikeTheKernel) {
    auto s = emulate_device_rules({Rule{true, "c", 1, 3, "r"}, Rule{true, "c", 1, 3, "w"}, Rule{true, "b", 7, -1, "rwm"},
                                   Rule{false, "b", 7, -1, "w"}});
    ASSERT_TRUE(s.ok()) << s.error().what();
    EXPECT_FALSE(s->default_allow);
    EXPECT_EQ(s->exceptions.size(), 2u);
    EXPECT_EQ((s->exceptions[DeviceKey{'c', 1, 3}]), kDeviceRead | kDeviceWrite);
    EXPECT_EQ((s->exceptions[DeviceKey{'b', 7, -1}]), kDeviceRead | kDeviceMknod);
}

TEST(CgroupDevicesV1, AnAllRuleResetsWhateverItsAccess) {
    auto s = emulate_device_rules({Rule{true, "c", 1, 3, "rwm"}, Rule{true, "a", -1, -1, "r"}, Rule{false, "c", 1, 5, "w"}});
    ASSERT_TRUE(s.ok());
    EXPECT_TRUE(s->default_allow);
    EXPECT_EQ(s->exceptions.size(), 1u);  // the deny after it is the exception
    EXPECT_EQ((s->exceptions[DeviceKey{'c', 1, 5}]), kDeviceWrite);
    // access without r, w or m grants nothing: no reset
    auto none = emulate_device_rules({Rule{true, "a", -1, -1, "x"}});
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->default_allow);
}

TEST(CgroupDevicesV1, DenyingPartOfAWildcardIsRefused) {
    auto s = emulate_device_rules({Rule{true, "c", -1, -1, "rwm"}, Rule{false, "c", 1, 3, "w"}});
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().what().find("\"c 1:3 w\""), std::string::npos) << s.error().what();
    EXPECT_NE(s.error().what().find("\"c *:* rwm\""), std::string::npos) << s.error().what();
    // no overlap in access: fine
    EXPECT_TRUE(emulate_device_rules({Rule{true, "c", -1, -1, "m"}, Rule{false, "c", 1, 3, "w"}}).ok());
    // the same in an allow-all cgroup: allowing part of a wildcard deny
    EXPECT_FALSE(emulate_device_rules({Rule{true, "a", -1, -1, "rwm"}, Rule{false, "b", 8, -1, "r"},
                                       Rule{true, "b", 8, 1, "r"}}).ok());
    EXPECT_FALSE(emulate_device_rules({Rule{true, "x", 1, 1, "r"}}).ok());
}

TEST(CgroupDevicesV1, ParsesDevicesList) {
    auto allow_all = state("a *:* rwm\n");
    EXPECT_TRUE(allow_all.default_allow);
    EXPECT_TRUE(allow_all.exceptions.empty());
    auto list = state("c 1:3 rwm\nb *:* m\nc 136:* rw\n");
    EXPECT_FALSE(list.default_allow);
    EXPECT_EQ((list.exceptions[DeviceKey{'c', 1, 3}]), 7u);
    EXPECT_EQ((list.exceptions[DeviceKey{'b', -1, -1}]), unsigned{kDeviceMknod});
    EXPECT_EQ((list.exceptions[DeviceKey{'c', 136, -1}]), kDeviceRead | kDeviceWrite);
    EXPECT_TRUE(state("").exceptions.empty());
    EXPECT_FALSE(parse_devices_list("c 1-3 rwm\n").ok());
    EXPECT_FALSE(parse_devices_list("x 1:3 rwm\n").ok());
}

TEST(CgroupDevicesV1, SameRulesNeedNoWrites) {
    auto target = emulate_device_rules(with_default_devices({Rule{false, "a", -1, -1, "rwm"}}));
    ASSERT_TRUE(target.ok());
    EXPECT_TRUE(device_transition(*target, *target).empty());
}

TEST(CgroupDevicesV1, FromAllowAllResetsThenAddsEachExceptionOnce) {
    // the defaults listed in the config and appended again: one write each
    auto rules = with_default_devices({Rule{false, "a", -1, -1, "rwm"}, Rule{true, "c", 1, 3, "rwm"}});
    auto target = emulate_device_rules(with_default_devices(rules));
    ASSERT_TRUE(target.ok());
    auto writes = device_transition(state("a *:* rwm"), *target);
    ASSERT_EQ(writes.size(), 1 + target->exceptions.size());
    EXPECT_EQ(writes[0], (DeviceWrite{false, "a *:* rwm"}));
    for (size_t i = 1; i < writes.size(); ++i) EXPECT_TRUE(writes[i].allow) << writes[i].line;
    EXPECT_EQ(kernel_after(state("a *:* rwm"), writes), *target);
}

TEST(CgroupDevicesV1, UpdateOnlyTouchesWhatChanges) {
    auto from = state("c 1:3 rwm\nc 1:5 rwm\nb 7:0 rw\n");
    auto to = *emulate_device_rules({Rule{true, "c", 1, 3, "rwm"}, Rule{true, "b", 7, 0, "r"}, Rule{true, "c", 10, 200, "rwm"},
                                     Rule{true, "b", 7, 0, "m"}});
    auto writes = device_transition(from, to);
    // nothing for 1:3; 1:5 and b 7:0's w go; b 7:0's m and 10:200 come
    std::vector<DeviceWrite> want = {{false, "c 1:5 rwm"}, {false, "b 7:0 w"}, {true, "b 7:0 m"}, {true, "c 10:200 rwm"}};
    std::sort(writes.begin(), writes.end(), [](auto& a, auto& b) { return a.line < b.line; });
    std::sort(want.begin(), want.end(), [](auto& a, auto& b) { return a.line < b.line; });
    EXPECT_EQ(writes, want);
    // removals come before additions, and no write ever denies c 1:3
    auto ordered = device_transition(from, to);
    EXPECT_FALSE(ordered[0].allow);
    EXPECT_FALSE(ordered[1].allow);
    for (const auto& w : ordered) EXPECT_EQ(w.line.find("c 1:3"), std::string::npos);
    EXPECT_EQ(kernel_after(from, ordered), to);
}

TEST(CgroupDevicesV1, ChangingTheDefaultResets) {
    auto from = state("c 1:3 rwm\n");
    auto to = *emulate_device_rules({Rule{true, "a", -1, -1, "rwm"}, Rule{false, "c", 1, 11, "rwm"}});
    auto writes = device_transition(from, to);
    ASSERT_EQ(writes.size(), 2u);
    EXPECT_EQ(writes[0], (DeviceWrite{true, "a *:* rwm"}));
    EXPECT_EQ(writes[1], (DeviceWrite{false, "c 1:11 rwm"}));
    EXPECT_EQ(kernel_after(from, writes), to);
}
