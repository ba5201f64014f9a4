// Malformed documents fail with one message that names the document, the JSON
// path and what was expected.
#include <gtest/gtest.h>

#include <string>

#include "oci/parser.hpp"

namespace {

struct Case {
    const char* name;
    std::string json;
    std::string error;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// A minimal valid document with `body` spliced in after ociVersion.
std::string config(const std::string& body) { return R"({"ociVersion":"1.3.0",)" + body + "}"; }
std::string process(const std::string& body) { return config(R"("process":{"cwd":"/",)" + body + "}"); }
std::string linux_(const std::string& body) { return config(R"("linux":{)" + body + "}"); }

class OciParseErrors : public testing::TestWithParam<Case> {};

TEST_P(OciParseErrors, NamesThePath) {
    auto spec = oci::parse_config(GetParam().json);
    ASSERT_FALSE(spec.ok()) << GetParam().json;
    EXPECT_EQ(spec.error().what(), GetParam().error);
}

const Case kCases[] = {
    {"WrongTypeNested", linux_(R"("resources":{"memory":{"limit":"1g"}})"),
     "config.json: linux.resources.memory.limit: expected integer, got string"},
    {"WrongTypeInArray",
     config(R"("mounts":[{"destination":"/a"},{"destination":"/b"},{"destination":"/c"},{"destination":4}])"),
     "config.json: mounts[3].destination: expected string, got number"},
    {"WrongTypeMapValue", linux_(R"("sysctl":{"net.ipv4.ip_forward":1})"),
     "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: expected string, got number"},
    {"MapKeyIsEscaped", config(R"("annotations":{"say \"hi\"\\":1})"),
     "config.json: annotations[\"say \\\"hi\\\"\\\\\"]: expected string, got number"},
    {"AnnotationIsObject", config(R"("annotations":{"a.b":{}})"),
     "config.json: annotations[\"a.b\"]: expected string, got object"},
    {"BooleanAsString", process(R"("terminal":"yes")"), "config.json: process.terminal: expected boolean, got string"},
    {"ArrayAsObject", config(R"("mounts":{})"), "config.json: mounts: expected array, got object"},
    {"ObjectAsArray", config(R"("process":[])"), "config.json: process: expected object, got array"},
    {"RootNotObject", "[]", "config.json: expected object, got array"},
    {"StringWithNul", config(R"("hostname":"a\u0000b")"), "config.json: hostname: string contains a NUL byte"},
    // Numbers are range-checked for their C type.
    {"NegativeUid", process(R"("user":{"uid":-1,"gid":0})"), "config.json: process.user.uid: -1 is out of range for uint32"},
    {"HugeUid", process(R"("user":{"uid":1099511627776,"gid":0})"),
     "config.json: process.user.uid: 1099511627776 is out of range for uint32"},
    {"OomScoreAdjOverInt32", process(R"("oomScoreAdj":2147483648)"),
     "config.json: process.oomScoreAdj: 2147483648 is out of range for int32"},
    {"NegativeUint64", process(R"("rlimits":[{"type":"RLIMIT_NOFILE","hard":-1,"soft":1}])"),
     "config.json: process.rlimits[0].hard: -1 is out of range for uint64"},
    {"Int64Overflow", linux_(R"("resources":{"pids":{"limit":9223372036854775808}})"),
     "config.json: linux.resources.pids.limit: 9223372036854775808 is out of range for int64"},
    {"BeyondUint64", process(R"("rlimits":[{"type":"RLIMIT_NOFILE","hard":1e30,"soft":1}])"),
     "config.json: process.rlimits[0].hard: 1e+30 is out of range for uint64"},
    {"Fraction", process(R"("rlimits":[{"type":"RLIMIT_NOFILE","hard":1.5,"soft":1}])"),
     "config.json: process.rlimits[0].hard: expected integer, got floating-point 1.5"},
    {"Exponent", process(R"("user":{"uid":1e3})"), "config.json: process.user.uid: expected integer, got floating-point 1000"},
    {"BlkioWeightOverUint16", linux_(R"("resources":{"blockIO":{"weight":65536}})"),
     "config.json: linux.resources.blockIO.weight: 65536 is out of range for uint16"},
    // Required properties.
    {"MissingOciVersion", R"({"hostname":"x"})", "config.json: ociVersion: required property is missing"},
    {"NullOciVersion", R"({"ociVersion":null})", "config.json: ociVersion: required property is missing"},
    {"MissingCwd", config(R"("process":{"args":["sh"]})"), "config.json: process.cwd: required property is missing"},
    {"MissingRootPath", config(R"("root":{"readonly":true})"), "config.json: root.path: required property is missing"},
    {"MissingMountDestination", config(R"("mounts":[{"type":"proc"}])"),
     "config.json: mounts[0].destination: required property is missing"},
    {"MissingHookPath", config(R"("hooks":{"poststop":[{"args":["x"]}]})"),
     "config.json: hooks.poststop[0].path: required property is missing"},
    {"MissingSeccompDefault", linux_(R"("seccomp":{"syscalls":[]})"),
     "config.json: linux.seccomp.defaultAction: required property is missing"},
    {"MissingDeviceAllow", linux_(R"("resources":{"devices":[{"access":"rwm"}]})"),
     "config.json: linux.resources.devices[0].allow: required property is missing"},
    {"MissingNamespaceType", linux_(R"("namespaces":[{"path":"/proc/1/ns/pid"}])"),
     "config.json: linux.namespaces[0].type: required property is missing"},
    // Enumerations the spec fixes.
    {"BadNamespaceType", linux_(R"("namespaces":[{"type":"pdi"}])"),
     "config.json: linux.namespaces[0].type: expected one of pid, network, mount, ipc, uts, user, cgroup, time, got \"pdi\""},
    {"DuplicateNamespace", linux_(R"("namespaces":[{"type":"pid"},{"type":"mount"},{"type":"pid"}])"),
     "config.json: linux.namespaces[2].type: duplicate namespace type \"pid\""},
    {"DuplicateRlimit",
     process(R"("rlimits":[{"type":"RLIMIT_NOFILE","hard":1,"soft":1},{"type":"RLIMIT_NOFILE","hard":2,"soft":2}])"),
     "config.json: process.rlimits[1].type: duplicate rlimit type \"RLIMIT_NOFILE\""},
    {"BadRlimit", process(R"("rlimits":[{"type":"RLIMIT_FOO","hard":1,"soft":1}])"),
     "config.json: process.rlimits[0].type: expected one of RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_DATA, "
     "RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_NOFILE, RLIMIT_NPROC, "
     "RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_SIGPENDING, RLIMIT_STACK, got \"RLIMIT_FOO\""},
    {"BadPropagation", linux_(R"("rootfsPropagation":"sharde")"),
     "config.json: linux.rootfsPropagation: expected one of private, shared, slave, unbindable, rprivate, rshared, "
     "rslave, runbindable, got \"sharde\""},
    {"BadIOPriorityClass", process(R"("ioPriority":{"class":"IOPRIO_CLASS_NONE","priority":1})"),
     "config.json: process.ioPriority.class: expected one of IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE, "
     "got \"IOPRIO_CLASS_NONE\""},
    {"BadSchedulerPolicy", process(R"("scheduler":{"policy":"SCHED_FAST"})"),
     "config.json: process.scheduler.policy: expected one of SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, "
     "SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE, got \"SCHED_FAST\""},
    {"BadSchedulerFlag", process(R"("scheduler":{"policy":"SCHED_RR","flags":["SCHED_FLAG_RECLAIM","X"]})"),
     "config.json: process.scheduler.flags[1]: expected one of SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_RECLAIM, "
     "SCHED_FLAG_DL_OVERRUN, SCHED_FLAG_KEEP_POLICY, SCHED_FLAG_KEEP_PARAMS, SCHED_FLAG_UTIL_CLAMP_MIN, "
     "SCHED_FLAG_UTIL_CLAMP_MAX, got \"X\""},
    {"BadPersonality", linux_(R"("personality":{"domain":"LINUX64"})"),
     "config.json: linux.personality.domain: expected one of LINUX, LINUX32, got \"LINUX64\""},
    {"BadMemoryPolicy", linux_(R"("memoryPolicy":{"mode":"MPOL_ANY"})"),
     "config.json: linux.memoryPolicy.mode: expected one of MPOL_DEFAULT, MPOL_BIND, MPOL_INTERLEAVE, "
     "MPOL_WEIGHTED_INTERLEAVE, MPOL_PREFERRED, MPOL_PREFERRED_MANY, MPOL_LOCAL, got \"MPOL_ANY\""},
    {"BadDeviceType", linux_(R"("devices":[{"type":"x","path":"/dev/x"}])"),
     "config.json: linux.devices[0].type: expected one of c, b, u, p, got \"x\""},
    {"BadSeccompAction", linux_(R"("seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_MAYBE"}]})"),
     "config.json: linux.seccomp.syscalls[0].action: expected one of SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, "
     "SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, "
     "SCMP_ACT_NOTIFY, got \"SCMP_ACT_MAYBE\""},
    {"BadSeccompOperator",
     linux_(R"("seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_LOG","args":[{"index":0,"value":1,"op":"SCMP_CMP_IN"}]}]})"),
     "config.json: linux.seccomp.syscalls[0].args[0].op: expected one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, "
     "SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ, got \"SCMP_CMP_IN\""},
    {"BadSeccompFlag", linux_(R"("seccomp":{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_NOPE"]})"),
     "config.json: linux.seccomp.flags[0]: expected one of SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, "
     "SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, got \"SECCOMP_FILTER_FLAG_NOPE\""},
    {"BadTimeOffsetClock", linux_(R"("timeOffsets":{"realtime":{"secs":1}})"),
     "config.json: linux.timeOffsets[\"realtime\"]: expected one of monotonic, boottime, got \"realtime\""},
    {"ZeroHookTimeout", config(R"("hooks":{"prestart":[{"path":"/bin/true","timeout":0}]})"),
     "config.json: hooks.prestart[0].timeout: expected a positive integer, got 0"},
    {"BadCpuList", process(R"("execCPUAffinity":{"initial":"0-3;7"})"),
     "config.json: process.execCPUAffinity.initial: expected only the characters \"0123456789,- \", got \"0-3;7\""},
    // Not JSON at all.
    {"Truncated", R"({"ociVersion": "1.3.0", "process": {)",
     "config.json: invalid JSON at offset 36: Missing a name for object member."},
    {"TrailingGarbage", R"({"ociVersion":"1.3.0"} x)",
     "config.json: invalid JSON at offset 23: The document root must not be followed by other values."},
    {"Empty", "", "config.json: invalid JSON at offset 0: The document is empty."},
    {"NulInText", std::string(R"({"ociVersion":"1.3.0"})") + '\0' + "{", "config.json: invalid JSON at offset 22: NUL byte in the text"},
};

INSTANTIATE_TEST_SUITE_P(Cases, OciParseErrors, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(OciParse, IgnoresUnknownPropertiesAndNulls) {
    auto spec = oci::parse_config(
        R"({"ociVersion":"1.3.0","vm":{"hypervisor":{}},"hostname":null,)"
        R"("process":{"cwd":"/","futureField":[1,2],"args":null},"linux":{"namespaces":[{"type":"time"}]}})");
    ASSERT_TRUE(spec.ok()) << spec.error().what();
    EXPECT_FALSE(spec->hostname);
    EXPECT_TRUE(spec->process->args.empty());
    EXPECT_EQ(spec->linux->namespaces.at(0).type, oci::NamespaceType::time);
}

TEST(OciParse, OtherDocumentsNameThemselves) {
    auto process = oci::parse_process(R"({"cwd":"/","args":["sh",true]})");
    ASSERT_FALSE(process.ok());
    EXPECT_EQ(process.error().what(), "process.json: args[1]: expected string, got boolean");

    auto resources = oci::parse_resources(R"({"cpu":{"quota":"max"}})");
    ASSERT_FALSE(resources.ok());
    EXPECT_EQ(resources.error().what(), "resources: cpu.quota: expected integer, got string");

    auto state = oci::parse_state(R"({"ociVersion":"1.3.0","id":"a","status":"sleeping","bundle":"/b"})");
    ASSERT_FALSE(state.ok());
    EXPECT_EQ(state.error().what(),
              "state.json: status: expected one of creating, created, running, paused, stopped, got \"sleeping\"");

    auto named = oci::parse_config("{", "/bundle/config.json");
    ASSERT_FALSE(named.ok());
    EXPECT_EQ(named.error().what(), "/bundle/config.json: invalid JSON at offset 1: Missing a name for object member.");
}

TEST(OciParse, LoadConfigNamesTheFile) {
    auto spec = oci::load_config("/nonexistent-berth-dir/config.json");
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.error().code(), ENOENT);
    EXPECT_EQ(spec.error().what(), "open \"/nonexistent-berth-dir/config.json\": No such file or directory");
}

// runc accepts any device access letters (its update.bats sends "rwa"); the cgroup code filters them.
TEST(OciParse, DeviceCgroupAccessTakesAnyLetters) {
    auto spec = oci::parse_config(linux_(R"("resources":{"devices":[{"allow":true,"access":"rwa"}]})"));
    ASSERT_TRUE(spec.ok()) << spec.error().what();
    EXPECT_EQ(spec->linux->resources->devices[0].access, "rwa");
}

// runc (Go's encoding/json) matches field names in any case: its update.bats
// adds `.linux.resources.CPU = {"Cpus": ...}` to a config that has `cpu`, and
// runc applies both (later members merge into earlier objects, replace values).
// Map keys keep their case.
TEST(OciParse, FieldNamesMatchInAnyCaseAsRuncsDecoder) {
    auto spec = oci::parse_config(linux_(
        R"("resources":{"cpu":{"shares":100,"cpus":"1"},"CPU":{"Cpus":"0","MEMS":"0"}},)"
        R"("sysctl":{"Net.X":"1"},"Namespaces":[{"TYPE":"pid"}])"));
    ASSERT_TRUE(spec.ok()) << spec.error().what();
    ASSERT_TRUE(spec->linux->resources->cpu);
    EXPECT_EQ(spec->linux->resources->cpu->shares, 100u);
    EXPECT_EQ(spec->linux->resources->cpu->cpus, "0");
    EXPECT_EQ(spec->linux->resources->cpu->mems, "0");
    EXPECT_EQ(spec->linux->sysctl.count("Net.X"), 1u);
    EXPECT_EQ(spec->linux->namespaces.at(0).type, oci::NamespaceType::pid);

    auto last = oci::parse_resources(R"({"Cpu":{"cpus":"1"},"cpu":{"cpus":"2"},"CPU":{"cpus":"3"}})");
    ASSERT_TRUE(last.ok()) << last.error().what();
    EXPECT_EQ(last->cpu->cpus, "3");
    // An array replaces an earlier one; a null member counts as absent.
    auto devices = oci::parse_resources(
        R"({"devices":[{"allow":true,"access":"r"},{"allow":true}],"Devices":[{"allow":false}],"DEVICES":null})");
    ASSERT_TRUE(devices.ok()) << devices.error().what();
    ASSERT_EQ(devices->devices.size(), 1u);
    EXPECT_FALSE(devices->devices[0].allow);
    EXPECT_FALSE(devices->devices[0].access);

    auto bad = oci::parse_resources(R"({"CPU":{"Quota":"max"}})");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().what(), "resources: cpu.quota: expected integer, got string");
}

}  // namespace
