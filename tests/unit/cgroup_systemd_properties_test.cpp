#include <gtest/gtest.h>

#include <limits>
#include <ostream>

#include "berth/cgroups/cgroup.hpp"
#include "berth/cgroups/systemd_properties.hpp"

using namespace berth;

namespace berth::dbus {
// Readable failures: "MemoryMax=t 1073741824", "DeviceAllow=a(ss) [(s "/dev/char/1:3", s "rwm")]".
void PrintTo(const Value& v, std::ostream* os) {
    switch (v.type()) {
        case Type::string: *os << "s \"" << v.text() << "\""; return;
        case Type::array:
        case Type::structure: {
            *os << v.signature() << (v.type() == Type::array ? " [" : " {");
            for (size_t i = 0; i < v.children().size(); ++i) {
                if (i) *os << ", ";
                PrintTo(v.children()[i], os);
            }
            *os << (v.type() == Type::array ? "]" : "}");
            return;
        }
        default: *os << v.signature() << " " << v.number();
    }
}
void PrintTo(const Property& p, std::ostream* os) {
    *os << p.name << "=";
    PrintTo(p.value, os);
}
}  // namespace berth::dbus
using namespace berth::cgroups::systemd;
using dbus::Property;
using dbus::Value;

namespace {

constexpr uint64_t kInf = std::numeric_limits<uint64_t>::max();
constexpr unsigned kNew = 255;  // a systemd with every gated property

Host v2(unsigned version = kNew) { return Host{true, version, {}}; }
Host v1(unsigned version = kNew) { return Host{false, version, {}}; }

// The properties but the device ones (every list starts with those).
std::vector<Property> without_devices(const std::vector<Property>& props) {
    std::vector<Property> out;
    for (const auto& p : props)
        if (p.name != "DeviceAllow" && p.name != "DevicePolicy") out.push_back(p);
    return out;
}

std::vector<Property> props_of(const oci::Resources& r, const Host& host) {
    auto result = resource_properties(r, host);
    EXPECT_TRUE(result.ok()) << result.error().what();
    return result ? without_devices(result->properties) : std::vector<Property>{};
}

Property u64(const char* name, uint64_t v) { return {name, Value::uint64(v)}; }

oci::Resources memory(std::optional<int64_t> limit, std::optional<int64_t> swap = {},
                      std::optional<int64_t> reservation = {}) {
    oci::Resources r;
    r.memory = oci::Memory{};
    r.memory->limit = limit;
    r.memory->swap = swap;
    r.memory->reservation = reservation;
    return r;
}

oci::Resources cpu(std::optional<int64_t> quota, std::optional<uint64_t> period) {
    oci::Resources r;
    r.cpu = oci::CPU{};
    r.cpu->quota = quota;
    r.cpu->period = period;
    return r;
}

oci::Resources unified(std::map<std::string, std::string> entries) {
    oci::Resources r;
    r.unified = std::move(entries);
    return r;
}

std::string error_of(const oci::Resources& r, const Host& host = v2()) {
    auto result = resource_properties(r, host);
    return result ? std::string("no error") : result.error().what();
}

oci::DeviceCgroup rule(bool allow, std::optional<std::string> type, std::optional<int64_t> major,
                       std::optional<int64_t> minor, std::string access) {
    return oci::DeviceCgroup{allow, std::move(type), major, minor, std::move(access)};
}

Value allow_list(std::vector<std::pair<std::string, std::string>> entries) {
    std::vector<Value> items;
    for (auto& [path, perms] : entries) items.push_back(Value::structure({Value::string(path), Value::string(perms)}));
    return Value::array("(ss)", std::move(items));
}

const char* kProcDevices =
    "Character devices:\n  1 mem\n  4 /dev/vc/0\n  4 tty\n 10 misc\n136 pts\n\nBlock devices:\n  7 loop\n  8 sd\n259 blkext\n";

// The DeviceAllow entries every container gets (the default devices), in
// (type, major, minor) order, on systemd >= 240.
std::vector<std::pair<std::string, std::string>> default_allows() {
    return {{"block-*", "m"},         {"char-*", "m"},          {"/dev/char/1:3", "rwm"},   {"/dev/char/1:5", "rwm"},
            {"/dev/char/1:7", "rwm"}, {"/dev/char/1:8", "rwm"}, {"/dev/char/1:9", "rwm"},   {"/dev/char/5:0", "rwm"},
            {"/dev/char/5:1", "rwm"}, {"/dev/char/5:2", "rwm"}, {"/dev/char/10:200", "rwm"}, {"char-136", "rwm"}};
}

}  // namespace

// ---- memory ----

TEST(SystemdProperties, MemoryV2) {
    EXPECT_EQ(props_of(memory(1 << 30), v2()), (std::vector<Property>{u64("MemoryMax", 1 << 30)}));
    EXPECT_EQ(props_of(memory(-1), v2()), (std::vector<Property>{u64("MemoryMax", kInf), u64("MemorySwapMax", kInf)}));
    EXPECT_EQ(props_of(memory(0), v2()), (std::vector<Property>{}));
    EXPECT_EQ(props_of(memory({}, {}, 512 << 20), v2()), (std::vector<Property>{u64("MemoryLow", 512 << 20)}));
    EXPECT_EQ(props_of(memory({}, {}, -1), v2()), (std::vector<Property>{u64("MemoryLow", kInf)}));
}

TEST(SystemdProperties, SwapIsMemoryPlusSwapLessMemory) {
    EXPECT_EQ(props_of(memory(1 << 30, 3LL << 30), v2()),
              (std::vector<Property>{u64("MemoryMax", 1 << 30), u64("MemorySwapMax", 2LL << 30)}));
    EXPECT_EQ(props_of(memory(1 << 30, -1), v2()),
              (std::vector<Property>{u64("MemoryMax", 1 << 30), u64("MemorySwapMax", kInf)}));
    // Equal: no swap at all (0 is a value here, not "unset").
    EXPECT_EQ(props_of(memory(1 << 30, 1 << 30), v2()), (std::vector<Property>{u64("MemoryMax", 1 << 30)}));
    EXPECT_NE(error_of(memory(2 << 20, 1 << 20)).find("memory.swap"), std::string::npos);
    EXPECT_NE(error_of(memory({}, 1 << 20)).find("memory.swap"), std::string::npos);
}

TEST(SystemdProperties, MemoryV1IsMemoryLimitOnly) {
    EXPECT_EQ(props_of(memory(1 << 30, 2LL << 30, 1 << 20), v1()), (std::vector<Property>{u64("MemoryLimit", 1 << 30)}));
    EXPECT_EQ(props_of(memory(-1), v1()), (std::vector<Property>{u64("MemoryLimit", kInf)}));
}

// ---- cpu ----

TEST(SystemdProperties, SharesAreCPUWeightOnV2AndCPUSharesOnV1) {
    oci::Resources r;
    r.cpu = oci::CPU{};
    r.cpu->shares = 1024;
    EXPECT_EQ(props_of(r, v2()), (std::vector<Property>{u64("CPUWeight", 39)}));
    EXPECT_EQ(props_of(r, v1()), (std::vector<Property>{u64("CPUShares", 1024)}));
    r.cpu->shares = 2;
    EXPECT_EQ(props_of(r, v2()), (std::vector<Property>{u64("CPUWeight", 1)}));
    r.cpu->shares = 262144;
    EXPECT_EQ(props_of(r, v2()), (std::vector<Property>{u64("CPUWeight", 10000)}));
    r.cpu->shares = 0;
    EXPECT_EQ(props_of(r, v2()), (std::vector<Property>{}));
}

std::vector<std::string> g_warnings;
void capture_warning(const std::string& message) { g_warnings.push_back(message); }

// The properties of `r` and the warnings they gave.
std::vector<std::string> warnings_of(const oci::Resources& r, const Host& host) {
    g_warnings.clear();
    berth::cgroups::set_warning_sink(capture_warning);
    (void)resource_properties(r, host);
    berth::cgroups::set_warning_sink(nullptr);
    return g_warnings;
}

// runc's words: `update --cpu-share 200 --cpu-idle 1` says "unable to apply both" (update.bats).
TEST(SystemdProperties, IdleAndWeightTogetherWarnThatTheWeightIsDropped) {
    oci::Resources r;
    r.cpu = oci::CPU{};
    r.cpu->shares = 200;
    r.cpu->idle = 1;
    auto warnings = warnings_of(r, v2(252));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("unable to apply both"), std::string::npos) << warnings[0];
    // Nor do the files get the weight: systemd made the group idle, and the kernel refuses one then.
    EXPECT_FALSE(resource_properties(r, v2(252))->files.cpu->shares.has_value());
    EXPECT_EQ(resource_properties(r, v2(251))->files.cpu->shares, 200u);
    EXPECT_TRUE(warnings_of(r, v2(251)).empty());
    auto both = unified({{"cpu.idle", "1"}, {"cpu.weight", "8"}});
    warnings = warnings_of(both, v2(252));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("unable to apply both"), std::string::npos) << warnings[0];
}

TEST(SystemdProperties, IdleIsCPUWeightZeroFromSystemd252) {
    oci::Resources r;
    r.cpu = oci::CPU{};
    r.cpu->shares = 1024;
    r.cpu->idle = 1;
    EXPECT_EQ(props_of(r, v2(252)), (std::vector<Property>{u64("CPUWeight", 0)}));
    EXPECT_EQ(props_of(r, v2(251)), (std::vector<Property>{u64("CPUWeight", 39)}));
    r.cpu->idle = 0;  // systemd cannot ask for idle 0: the files do
    EXPECT_EQ(props_of(r, v2(252)), (std::vector<Property>{u64("CPUWeight", 39)}));
}

TEST(SystemdProperties, QuotaIsPerSecondRoundedUpTo10msButExactInTheFiles) {
    auto quota_of = [](int64_t quota, std::optional<uint64_t> period) {
        auto result = resource_properties(cpu(quota, period), v2());
        EXPECT_TRUE(result.ok());
        return std::make_pair(without_devices(result->properties), *result->files.cpu->quota);
    };
    // Exact: 50 ms per 100 ms is 500 ms per second.
    auto [props, files] = quota_of(50000, 100000);
    EXPECT_EQ(props, (std::vector<Property>{u64("CPUQuotaPeriodUSec", 100000), u64("CPUQuotaPerSecUSec", 500000)}));
    EXPECT_EQ(files, 50000);
    // 123.45 ms per second is 130 ms for systemd; the files keep the quota, as runc's.
    std::tie(props, files) = quota_of(12345, 100000);
    EXPECT_EQ(props.back(), u64("CPUQuotaPerSecUSec", 130000));
    EXPECT_EQ(files, 12345);
    // The smallest quota is 1% of a CPU.
    std::tie(props, files) = quota_of(1, std::nullopt);
    EXPECT_EQ(props, (std::vector<Property>{u64("CPUQuotaPerSecUSec", 10000)}));  // default period, none sent
    EXPECT_EQ(files, 1);
    std::tie(props, files) = quota_of(33333, 50000);
    EXPECT_EQ(props.back(), u64("CPUQuotaPerSecUSec", 670000));
    EXPECT_EQ(files, 33333);
    // Unlimited.
    std::tie(props, files) = quota_of(-1, std::nullopt);
    EXPECT_EQ(props, (std::vector<Property>{u64("CPUQuotaPerSecUSec", kInf)}));
    EXPECT_EQ(files, -1);
    EXPECT_NE(error_of(cpu(std::numeric_limits<int64_t>::max(), 1)).find("linux.resources.cpu.quota"), std::string::npos);
}

TEST(SystemdProperties, PeriodNeedsSystemd242AndAloneLeavesTheQuota) {
    EXPECT_EQ(props_of(cpu({}, 200000), v2(242)), (std::vector<Property>{u64("CPUQuotaPeriodUSec", 200000)}));
    EXPECT_EQ(props_of(cpu({}, 200000), v2(241)), (std::vector<Property>{}));
    EXPECT_EQ(props_of(cpu(50000, 200000), v2(241)), (std::vector<Property>{u64("CPUQuotaPerSecUSec", 250000)}));
    EXPECT_EQ(props_of(cpu(50000, 200000), v1()),
              (std::vector<Property>{u64("CPUQuotaPeriodUSec", 200000), u64("CPUQuotaPerSecUSec", 250000)}));
    // Without a quota the files keep theirs too (cpu_max keeps the current half).
    auto result = resource_properties(cpu({}, 200000), v2());
    EXPECT_FALSE(result->files.cpu->quota.has_value());
}

TEST(SystemdProperties, CpusetsAreBitmasksFromSystemd244) {
    oci::Resources r;
    r.cpu = oci::CPU{};
    r.cpu->cpus = "0-3,5";
    r.cpu->mems = "1";
    EXPECT_EQ(props_of(r, v2(244)), (std::vector<Property>{{"AllowedCPUs", Value::bytes({0x2f})},
                                                           {"AllowedMemoryNodes", Value::bytes({0x02})}}));
    EXPECT_EQ(props_of(r, v1(244)).size(), 2u);
    // Older: nothing for systemd, the files still get both.
    auto old = resource_properties(r, v2(243));
    EXPECT_EQ(without_devices(old->properties), (std::vector<Property>{}));
    EXPECT_EQ(old->files.cpu->cpus, "0-3,5");
    r.cpu->cpus = "3-1";
    r.cpu->mems = std::nullopt;
    EXPECT_EQ(error_of(r), "linux.resources.cpu.cpus \"3-1\": invalid range \"3-1\"");
    r.cpu->cpus = "";  // empty: not set
    EXPECT_EQ(props_of(r, v2()), (std::vector<Property>{}));
    r.cpu->mems = "x";
    EXPECT_EQ(error_of(r), "linux.resources.cpu.mems \"x\": invalid item \"x\"");
}

TEST(SystemdProperties, CpusetBits) {
    EXPECT_EQ(*cpuset_bits("0"), (std::vector<uint8_t>{0x01}));
    EXPECT_EQ(*cpuset_bits("1,3-5"), (std::vector<uint8_t>{0x3a}));
    EXPECT_EQ(*cpuset_bits("8"), (std::vector<uint8_t>{0x00, 0x01}));
    EXPECT_EQ(*cpuset_bits("0-9"), (std::vector<uint8_t>{0xff, 0x03}));
    EXPECT_EQ(*cpuset_bits(" 2 ,, 7 ,"), (std::vector<uint8_t>{0x84}));
    EXPECT_EQ(cpuset_bits("63")->size(), 8u);
    for (const char* bad : {"", ",", "a", "1-", "-1", "2-1", "1-2-3", "0-70000", "1.5"})
        EXPECT_FALSE(cpuset_bits(bad).ok()) << bad;
}

// ---- pids, io ----

TEST(SystemdProperties, TasksMax) {
    oci::Resources r;
    r.pids = oci::Pids{100};
    EXPECT_EQ(props_of(r, v2()), (std::vector<Property>{u64("TasksMax", 100)}));
    EXPECT_EQ(props_of(r, v1()), (std::vector<Property>{u64("TasksMax", 100)}));
    r.pids->limit = -1;
    EXPECT_EQ(props_of(r, v2()), (std::vector<Property>{u64("TasksMax", kInf)}));
    r.pids->limit = 0;  // a limit (runtime-spec 1.3): systemd has no 0, runc 1.4 asks 1
    EXPECT_EQ(props_of(r, v2()), (std::vector<Property>{u64("TasksMax", 1)}));
}

TEST(SystemdProperties, BlockIOWeight) {
    oci::Resources r;
    r.blockIO = oci::BlockIO{};
    r.blockIO->weight = 500;
    EXPECT_EQ(props_of(r, v2()), (std::vector<Property>{u64("IOWeight", 4950)}));
    EXPECT_EQ(props_of(r, v1()), (std::vector<Property>{u64("BlockIOWeight", 500)}));
    r.blockIO->weight = 10;
    EXPECT_EQ(props_of(r, v2()), (std::vector<Property>{u64("IOWeight", 1)}));
    r.blockIO->weight = 1000;
    EXPECT_EQ(props_of(r, v2()), (std::vector<Property>{u64("IOWeight", 10000)}));
}

TEST(SystemdProperties, WhatSystemdHasNoPropertyForStaysForTheFiles) {
    oci::Resources r;
    r.blockIO = oci::BlockIO{};
    r.blockIO->throttleReadBpsDevice.push_back(oci::ThrottleDevice{8, 0, 1 << 20});
    r.hugepageLimits.push_back(oci::HugepageLimit{"2MB", 1 << 21});
    r.memory = oci::Memory{};
    r.memory->swappiness = 10;
    r.unified = {{"io.max", "8:0 rbps=1"}, {"memory.oom.group", "1"}};
    auto result = resource_properties(r, v2());
    ASSERT_TRUE(result.ok()) << result.error().what();
    EXPECT_EQ(without_devices(result->properties), (std::vector<Property>{}));
    EXPECT_EQ(result->files, r);
}

// ---- unified ----

TEST(SystemdProperties, UnifiedKeysSystemdHasPropertiesFor) {
    auto r = unified({{"cpu.weight", "300"},
                      {"cpuset.cpus", "0-1"},
                      {"cpuset.mems", "0"},
                      {"memory.high", " 1073741824\n"},
                      {"memory.low", "max"},
                      {"memory.min", "4096"},
                      {"memory.max", "max"},
                      {"memory.swap.max", "0"},
                      {"pids.max", "max"}});
    EXPECT_EQ(props_of(r, v2()), (std::vector<Property>{
                                     u64("CPUWeight", 300),
                                     {"AllowedCPUs", Value::bytes({0x03})},
                                     {"AllowedMemoryNodes", Value::bytes({0x01})},
                                     u64("MemoryHigh", 1 << 30),
                                     u64("MemoryLow", kInf),
                                     u64("MemoryMax", kInf),
                                     u64("MemoryMin", 4096),
                                     u64("MemorySwapMax", 0),
                                     u64("TasksMax", kInf),
                                 }));
    EXPECT_EQ(props_of(r, v2(243)).size(), 7u);  // no AllowedCPUs/AllowedMemoryNodes
    // v1 has no unified (the files step refuses it).
    EXPECT_EQ(props_of(r, v1()), (std::vector<Property>{}));
}

TEST(SystemdProperties, UnifiedCpuMaxIsRoundedForSystemdOnly) {
    auto check = [](const char* value, std::vector<Property> expected, const char* file) {
        auto result = resource_properties(unified({{"cpu.max", value}}), v2());
        ASSERT_TRUE(result.ok()) << result.error().what();
        EXPECT_EQ(without_devices(result->properties), expected) << value;
        EXPECT_EQ(result->files.unified.at("cpu.max"), file) << value;
    };
    check("max", {u64("CPUQuotaPeriodUSec", 100000), u64("CPUQuotaPerSecUSec", kInf)}, "max");
    check("50000", {u64("CPUQuotaPeriodUSec", 100000), u64("CPUQuotaPerSecUSec", 500000)}, "50000");
    check("12345 100000", {u64("CPUQuotaPeriodUSec", 100000), u64("CPUQuotaPerSecUSec", 130000)}, "12345 100000");
    check(" max  20000 ", {u64("CPUQuotaPeriodUSec", 20000), u64("CPUQuotaPerSecUSec", kInf)}, " max  20000 ");
    for (const char* bad : {"", "abc", "1 2 3", "0", "-5 100000", "max 0", "max x"})
        EXPECT_NE(error_of(unified({{"cpu.max", bad}})).find("linux.resources.unified[\"cpu.max\"]"), std::string::npos)
            << bad;
}

TEST(SystemdProperties, UnifiedPidsMaxZeroIsOneForBoth) {
    auto result = resource_properties(unified({{"pids.max", "0"}}), v2());
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(without_devices(result->properties), (std::vector<Property>{u64("TasksMax", 1)}));
    EXPECT_EQ(result->files.unified.at("pids.max"), "1");
}

TEST(SystemdProperties, UnifiedIdleWinsOverWeight) {
    auto r = unified({{"cpu.idle", "1"}, {"cpu.weight", "100"}});
    EXPECT_EQ(props_of(r, v2(252)), (std::vector<Property>{u64("CPUWeight", 0)}));
    EXPECT_EQ(props_of(r, v2(251)), (std::vector<Property>{u64("CPUWeight", 100)}));
}

TEST(SystemdProperties, UnifiedErrorsNameTheKeyAndValue) {
    EXPECT_EQ(error_of(unified({{"cpu.weight", "0"}})),
              "linux.resources.unified[\"cpu.weight\"] \"0\": expected an integer from 1 to 10000");
    EXPECT_EQ(error_of(unified({{"memory.max", "1G"}})),
              "linux.resources.unified[\"memory.max\"] \"1G\": expected \"max\" or a non-negative integer");
    EXPECT_EQ(error_of(unified({{"pids.max", "-1"}})),
              "linux.resources.unified[\"pids.max\"] \"-1\": expected \"max\" or a non-negative integer");
    EXPECT_EQ(error_of(unified({{"cpuset.cpus", "z"}})), "linux.resources.unified[\"cpuset.cpus\"] \"z\": invalid item \"z\"");
    EXPECT_EQ(error_of(unified({{"../memory.max", "1"}})), "linux.resources.unified: invalid key \"../memory.max\"");
    EXPECT_EQ(error_of(unified({{"cgroup.procs", "1"}})), "linux.resources.unified: \"cgroup.procs\" is not a resource");
}

TEST(SystemdProperties, UnifiedComesAfterTheSpecFieldsSoItWins) {
    auto r = memory(1 << 20);
    r.unified = {{"memory.max", "2097152"}};
    EXPECT_EQ(props_of(r, v2()), (std::vector<Property>{u64("MemoryMax", 1 << 20), u64("MemoryMax", 2 << 20)}));
}

// ---- devices ----

TEST(SystemdProperties, DevicesAreAStrictAllowListWithTheDefaults) {
    auto props = device_properties({rule(true, "c", 10, 229, "rwm"), rule(true, "b", 8, -1, "rw")}, v2(240));
    ASSERT_TRUE(props.ok()) << props.error().what();
    auto allows = default_allows();
    allows.insert(allows.begin() + 1, {"block-8", "rw"});
    allows.insert(allows.end() - 1, {"/dev/char/10:229", "rwm"});
    EXPECT_EQ(*props, (std::vector<Property>{{"DeviceAllow", allow_list({})},
                                              {"DevicePolicy", Value::string("strict")},
                                              {"DeviceAllow", allow_list(allows)}}));
}

TEST(SystemdProperties, ResourcePropertiesStartWithTheDevices) {
    auto result = resource_properties(oci::Resources{}, v2());
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->properties, (std::vector<Property>{{"DeviceAllow", allow_list({})},
                                                          {"DevicePolicy", Value::string("strict")},
                                                          {"DeviceAllow", allow_list(default_allows())}}));
}

TEST(SystemdProperties, WildcardMinorBefore240IsTheGroupFromProcDevices) {
    Host old{true, 239, kProcDevices};
    auto props = device_properties({rule(true, "c", 4, -1, "rw"), rule(true, "c", 99, -1, "rw")}, old);
    ASSERT_TRUE(props.ok());
    auto allows = default_allows();
    allows.back() = {"char-pts", "rwm"};  // 136:* by its name
    allows.insert(allows.begin() + 7, {"char-/dev/vc/0", "rw"});  // after 1:9; the first group of major 4
    // 99 has no group: left out.
    EXPECT_EQ(props->back(), (Property{"DeviceAllow", allow_list(allows)}));
}

TEST(SystemdProperties, WildcardMinorIsTheGroupByNameOnAnySystemdAndByNumberOnlyWithoutOne) {
    Host host{true, kNew, kProcDevices};
    auto props = device_properties({rule(true, "c", 99, -1, "rw")}, host);
    ASSERT_TRUE(props.ok());
    auto allows = default_allows();
    allows.back() = {"char-pts", "rwm"};  // 136:* by its name, as runc 1.1
    allows.insert(allows.end() - 1, {"char-99", "rw"});  // no name: the number (systemd >= 240)
    EXPECT_EQ(props->back(), (Property{"DeviceAllow", allow_list(allows)}));
    EXPECT_TRUE(host.version_asked);
}

// The driver reads systemd's Version (a round trip) only when the mapping asks.
TEST(SystemdProperties, OnlyGatedPropertiesAskForTheVersion) {
    auto asks = [](const oci::Resources& r) {
        Host host{true, 0, kProcDevices};
        EXPECT_TRUE(resource_properties(r, host).ok());
        return host.version_asked;
    };
    oci::Resources plain = memory(1 << 30);
    plain.pids = oci::Pids{};
    plain.pids->limit = 10;
    plain.devices = {rule(true, "c", 136, -1, "rwm")};  // named in /proc/devices
    EXPECT_FALSE(asks(plain));
    EXPECT_FALSE(asks(cpu(50000, std::nullopt)));  // a quota without a period
    EXPECT_TRUE(asks(cpu(50000, 100000)));         // CPUQuotaPeriodUSec: 242
    oci::Resources cpus;
    cpus.cpu = oci::CPU{};
    cpus.cpu->cpus = "0";
    EXPECT_TRUE(asks(cpus));  // AllowedCPUs: 244
    oci::Resources group;
    group.devices = {rule(true, "c", 99, -1, "rw")};  // no name: char-99 needs 240
    EXPECT_TRUE(asks(group));
    // OOMPolicy (253) only when memory.oom.group is there
    Host host{true, 0, kProcDevices};
    oci::Resources none;
    ASSERT_TRUE(start_properties(Unit{}, "n", {1}, {}, &none, host).ok());
    EXPECT_FALSE(host.version_asked);
    none.unified["memory.oom.group"] = "1";
    ASSERT_TRUE(start_properties(Unit{}, "n", {1}, {}, &none, host).ok());
    EXPECT_TRUE(host.version_asked);
}

TEST(SystemdProperties, DeviceGroup) {
    EXPECT_EQ(device_group(kProcDevices, 'c', 1), "char-mem");
    EXPECT_EQ(device_group(kProcDevices, 'c', 136), "char-pts");
    EXPECT_EQ(device_group(kProcDevices, 'b', 8), "block-sd");
    EXPECT_EQ(device_group(kProcDevices, 'b', 259), "block-blkext");
    EXPECT_EQ(device_group(kProcDevices, 'c', 8), "");   // a block major only
    EXPECT_EQ(device_group(kProcDevices, 'c', 13), "");  // "136" is not 13
    EXPECT_EQ(device_group("", 'c', 1), "");
}

TEST(SystemdProperties, WildcardMajorWithAMinorIsLeftOut) {
    auto props = device_properties({rule(true, "c", std::nullopt, 5, "rw")}, v2());
    ASSERT_TRUE(props.ok());
    EXPECT_EQ(props->back(), (Property{"DeviceAllow", allow_list(default_allows())}));
}

TEST(SystemdProperties, AllowAllIsDevicePolicyAuto) {
    auto props = device_properties({rule(true, std::nullopt, std::nullopt, std::nullopt, "rwm")}, v2());
    ASSERT_TRUE(props.ok());
    EXPECT_EQ(*props, (std::vector<Property>{{"DeviceAllow", allow_list({})}, {"DevicePolicy", Value::string("auto")}}));
}

TEST(SystemdProperties, DenyListIsDenyAllForSystemd) {
    auto props = device_properties({rule(true, "a", {}, {}, "rwm"), rule(false, "c", 10, 229, "rwm")}, v2());
    ASSERT_TRUE(props.ok());
    EXPECT_EQ(*props, (std::vector<Property>{{"DeviceAllow", allow_list({})}, {"DevicePolicy", Value::string("strict")}}));
}

TEST(SystemdProperties, DeviceRulesTheKernelCannotApplyAreRefused) {
    auto props = device_properties({rule(true, "c", 4, -1, "rw"), rule(false, "c", 4, 1, "rw")}, v2());
    EXPECT_FALSE(props.ok());
}

// ---- starting the unit ----

TEST(SystemdProperties, StartPropertiesOfAScope) {
    Unit scope{"cri-containerd-abc.scope", "kubepods.slice", "/kubepods.slice/cri-containerd-abc.scope"};
    std::vector<Property> annotations = {{"CollectMode", Value::string("inactive-or-failed")}};
    auto props = start_properties(scope, "abc", {4242}, annotations, nullptr, v2());
    ASSERT_TRUE(props.ok()) << props.error().what();
    EXPECT_EQ(*props, (std::vector<Property>{{"Description", Value::string("berth container abc")},
                                              {"Slice", Value::string("kubepods.slice")},
                                              {"Delegate", Value::boolean(true)},
                                              {"PIDs", Value::array("u", {Value::uint32(4242)})},
                                              {"MemoryAccounting", Value::boolean(true)},
                                              {"CPUAccounting", Value::boolean(true)},
                                              {"IOAccounting", Value::boolean(true)},
                                              {"TasksAccounting", Value::boolean(true)},
                                              {"DefaultDependencies", Value::boolean(false)},
                                              {"CollectMode", Value::string("inactive-or-failed")}}));
    // v1: BlockIOAccounting.
    props = start_properties(scope, "abc", {4242}, {}, nullptr, v1());
    EXPECT_EQ((*props)[6], (Property{"BlockIOAccounting", Value::boolean(true)}));
}

TEST(SystemdProperties, StartPropertiesOfASliceHaveWantsAndNoPids) {
    Unit slice{"kubepods-pod1.slice", "kubepods.slice", "/kubepods.slice/kubepods-pod1.slice"};
    auto props = start_properties(slice, "x", {}, {}, nullptr, v2());
    ASSERT_TRUE(props.ok());
    EXPECT_EQ((*props)[1], (Property{"Wants", Value::array("s", {Value::string("kubepods.slice")})}));
    for (const auto& p : *props) {
        EXPECT_NE(p.name, "Slice");
        EXPECT_NE(p.name, "Delegate");
        EXPECT_NE(p.name, "PIDs");
    }
}

TEST(SystemdProperties, OomGroupIsOOMPolicyAtStartFromSystemd253) {
    Unit scope{"p-n.scope", "system.slice", "/system.slice/p-n.scope"};
    auto policy_of = [&](const char* value, unsigned version) {
        auto r = unified({{"memory.oom.group", value}});
        auto props = start_properties(scope, "n", {1}, {}, &r, v2(version));
        EXPECT_TRUE(props.ok());
        return props->back();
    };
    EXPECT_EQ(policy_of("1", 253), (Property{"OOMPolicy", Value::string("kill")}));
    EXPECT_EQ(policy_of("0\n", 253), (Property{"OOMPolicy", Value::string("continue")}));
    EXPECT_EQ(policy_of("1", 252).name, "DefaultDependencies");
    EXPECT_EQ(policy_of("2", 253).name, "DefaultDependencies");  // the file write refuses it
    auto r = unified({{"memory.oom.group", "yes"}});
    auto props = start_properties(scope, "n", {1}, {}, &r, v2());
    ASSERT_FALSE(props.ok());
    EXPECT_EQ(props.error().what(), "linux.resources.unified[\"memory.oom.group\"] \"yes\": expected 0 or 1");
}

// ---- v1/hybrid: runc 1.1's legacy manager (genV1ResourcesProperties) ----

TEST(SystemdProperties, V1EveryResourceAsRuncLegacyManager) {
    oci::Resources r = memory(64 << 20, 128 << 20, 32 << 20);
    r.cpu = oci::CPU{};
    r.cpu->shares = 2048;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.cpu->cpus = "1";
    r.cpu->mems = "0";
    r.pids = oci::Pids{20};
    r.blockIO = oci::BlockIO{};
    r.blockIO->weight = 300;
    r.hugepageLimits = {{"2MB", 4 << 20}};
    auto result = resource_properties(r, v1(252));
    ASSERT_TRUE(result.ok()) << result.error().what();
    // The legacy property names (no MemoryLow/MemorySwapMax, no weights): the
    // swap, the reservation and the huge pages only go to the v1 files.
    EXPECT_EQ(without_devices(result->properties),
              (std::vector<Property>{u64("MemoryLimit", 64 << 20), u64("CPUShares", 2048),
                                     u64("CPUQuotaPeriodUSec", 100000), u64("CPUQuotaPerSecUSec", 500000),
                                     {"AllowedCPUs", Value::bytes({0x02})}, {"AllowedMemoryNodes", Value::bytes({0x01})},
                                     u64("TasksMax", 20), u64("BlockIOWeight", 300)}));
    EXPECT_EQ(result->files, r);
    // The devices as on v2: DeviceAllow cleared, then the policy and the list.
    ASSERT_GE(result->properties.size(), 3u);
    EXPECT_EQ(result->properties[0].name, "DeviceAllow");
    EXPECT_EQ(result->properties[1].name, "DevicePolicy");
    EXPECT_EQ(result->properties[1].value.text(), "strict");
}

TEST(SystemdProperties, V1StartHasNoOOMPolicy) {
    oci::Resources r = unified({{"memory.oom.group", "1"}});
    auto props = start_properties(Unit{"x.scope", "system.slice", "/system.slice/x.scope"}, "x", {1}, {}, &r, v1());
    ASSERT_TRUE(props.ok());
    for (const auto& p : *props) EXPECT_NE(p.name, "OOMPolicy");
}
