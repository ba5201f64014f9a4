// Every config field the oci-spec parser accepts has a place where berth
// applies it or refuses it. The list of fields is not written here: it is
// walked from the parser's own field lists (oci-spec/src/fields.hpp), so a
// field added to the parser and to nothing else fails this test until it gets
// an entry below. Each entry names the source file that applies or refuses
// it, checked to exist, and covers one field or (ending in '.' or "[]") a
// subtree; every entry must cover at least one field.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fields.hpp"
#include "traits.hpp"

namespace {

// Collects the JSON path of every leaf field: "linux.resources.pids.limit",
// "mounts[].options[]", "annotations.*" (a map's values).
struct LeafPaths {
    std::string prefix;
    std::vector<std::string>* out;

    template <class T, class... Rules>
    void operator()(const char* key, T& field, const Rules&...) {
        walk(prefix + key, field);
    }
    template <class T, class... Rules>
    void required(const char* key, T& field, const Rules&...) {
        walk(prefix + key, field);
    }
    template <class Visit>
    void nested(const char* key, Visit&& visit) {
        LeafPaths inner{prefix + key + ".", out};
        visit(inner);
    }

    template <class T>
    void walk(const std::string& path, T& field) {
        using U = std::remove_cvref_t<T>;
        if constexpr (oci::detail::IsOptional<U>::value) {
            typename U::value_type inner{};
            walk(path, inner);
        } else if constexpr (oci::detail::IsVector<U>::value) {
            typename U::value_type inner{};
            walk(path + "[]", inner);
        } else if constexpr (oci::detail::IsMap<U>::value) {
            typename U::mapped_type inner{};
            walk(path + ".*", inner);
        } else if constexpr (requires(LeafPaths& v) { oci::detail::fields(v, field); }) {
            LeafPaths inner{path + ".", out};
            oci::detail::fields(inner, field);
        } else {
            out->push_back(path);
        }
    }
};

std::vector<std::string> config_fields() {
    std::vector<std::string> paths;
    LeafPaths walker{"", &paths};
    oci::Spec spec;
    oci::detail::fields(walker, spec);
    return paths;
}

struct Entry {
    const char* path;   // a field, or a subtree ending in '.' or "[]"
    const char* where;  // the source file (from the repository root) that applies or refuses it
};

// Where each field is applied or refused. Cgroup resources go through the v1
// and v2 writers alike (resources_v2.cpp is named for both).
constexpr Entry kFields[] = {
    {"ociVersion", "src/container/bundle_check.cpp"},  // only `berth check` reads it (runc ignores it)
    {"process.terminal", "src/process/plan.cpp"},
    {"process.consoleSize.", "src/process/plan.cpp"},
    {"process.user.uid", "src/process/identity.cpp"},
    {"process.user.gid", "src/process/identity.cpp"},
    {"process.user.additionalGids[]", "src/process/plan.cpp"},
    {"process.user.umask", "src/process/attributes.cpp"},
    {"process.args[]", "src/process/plan.cpp"},
    {"process.env[]", "src/process/plan.cpp"},
    {"process.cwd", "src/process/plan.cpp"},
    {"process.capabilities.", "src/linux/capabilities.cpp"},
    {"process.rlimits[]", "src/process/attributes.cpp"},
    {"process.noNewPrivileges", "src/process/plan.cpp"},
    {"process.apparmorProfile", "src/linux/lsm.cpp"},
    {"process.selinuxLabel", "src/linux/lsm.cpp"},
    {"process.oomScoreAdj", "src/process/launch.cpp"},
    {"process.scheduler.", "src/process/attributes.cpp"},
    {"process.ioPriority.", "src/process/attributes.cpp"},
    {"process.execCPUAffinity.", "src/process/attributes.cpp"},
    {"root.", "src/linux/rootfs_plan.cpp"},
    {"hostname", "src/process/child.cpp"},
    {"domainname", "src/process/child.cpp"},
    {"mounts[]", "src/linux/rootfs_plan.cpp"},
    {"hooks.prestart[]", "src/container/create.cpp"},
    {"hooks.createRuntime[]", "src/container/create.cpp"},
    {"hooks.createContainer[]", "src/process/child.cpp"},
    {"hooks.startContainer[]", "src/process/child.cpp"},
    {"hooks.poststart[]", "src/container/start.cpp"},
    {"hooks.poststop[]", "src/container/signal.cpp"},
    {"annotations.*", "src/container/record.cpp"},  // kept and reported by `state`
    {"linux.uidMappings[]", "src/linux/namespaces.cpp"},
    {"linux.gidMappings[]", "src/linux/namespaces.cpp"},
    {"linux.timeOffsets.*.", "src/linux/namespaces.cpp"},
    {"linux.sysctl.*", "src/process/plan.cpp"},
    {"linux.resources.devices[]", "src/cgroups/devices.cpp"},
    {"linux.resources.memory.limit", "src/cgroups/resources_v2.cpp"},
    {"linux.resources.memory.reservation", "src/cgroups/resources_v2.cpp"},
    {"linux.resources.memory.swap", "src/cgroups/resources_v2.cpp"},
    {"linux.resources.memory.kernel", "src/cgroups/resources_v2.cpp"},  // a warning, as runc
    {"linux.resources.memory.kernelTCP", "src/cgroups/resources_v2.cpp"},
    {"linux.resources.memory.swappiness", "src/cgroups/resources_v2.cpp"},
    {"linux.resources.memory.disableOOMKiller", "src/cgroups/resources_v2.cpp"},
    {"linux.resources.memory.checkBeforeUpdate", "src/cgroups/resources_v2.cpp"},
    {"linux.resources.memory.useHierarchy", "src/cgroups/convert.cpp"},  // false refused: always hierarchical
    {"process.commandLine", "src/process/plan.cpp"},                      // refused: a Windows field
    {"process.user.username", "src/process/plan.cpp"},                    // refused: a Windows field
    {"linux.resources.cpu.", "src/cgroups/resources_v2.cpp"},
    {"linux.resources.pids.limit", "src/cgroups/resources_v2.cpp"},
    {"linux.resources.blockIO.", "src/cgroups/resources_v2.cpp"},
    {"linux.resources.hugepageLimits[]", "src/cgroups/resources_v2.cpp"},
    {"linux.resources.network.", "src/cgroups/resources_v1.cpp"},  // refused on v2
    {"linux.resources.rdma.*.", "src/cgroups/resources_v2.cpp"},
    {"linux.resources.unified.*", "src/cgroups/resources_v2.cpp"},  // refused on v1
    {"linux.cgroupsPath", "src/cgroups/path.cpp"},
    {"linux.namespaces[]", "src/linux/namespaces.cpp"},
    {"linux.devices[]", "src/linux/devices.cpp"},
    {"linux.netDevices.*.name", "src/linux/net_devices.cpp"},
    {"linux.seccomp.", "src/linux/seccomp.cpp"},
    {"linux.rootfsPropagation", "src/linux/rootfs_plan.cpp"},
    {"linux.maskedPaths[]", "src/linux/rootfs_plan.cpp"},
    {"linux.readonlyPaths[]", "src/linux/rootfs_plan.cpp"},
    {"linux.mountLabel", "src/linux/lsm.cpp"},
    {"linux.intelRdt.", "src/linux/resctrl.cpp"},
    {"linux.personality.domain", "src/process/attributes.cpp"},
    {"linux.personality.flags[]", "src/process/attributes.cpp"},  // refused: no flag is supported
    {"linux.memoryPolicy.", "src/process/attributes.cpp"},
};

bool covers(std::string_view entry, std::string_view field) {
    if (entry == field) return true;
    bool subtree = entry.ends_with('.') || entry.ends_with("[]");
    return subtree && field.starts_with(entry);
}

TEST(SpecFields, TheWalkSeesTheParsersFields) {
    auto fields = config_fields();
    // A handful the walk must reach, through optionals, vectors, maps and nested structs.
    for (const char* known : {"ociVersion", "process.capabilities.bounding[]", "mounts[].uidMappings[].hostID",
                              "linux.resources.rdma.*.hcaObjects", "linux.seccomp.syscalls[].args[].op",
                              "linux.memoryPolicy.flags[]", "linux.netDevices.*.name"}) {
        EXPECT_NE(std::find(fields.begin(), fields.end(), known), fields.end()) << known;
    }
    EXPECT_GT(fields.size(), 150u);
}

TEST(SpecFields, EveryFieldIsAppliedOrRefusedSomewhere) {
    for (const std::string& field : config_fields()) {
        int matches = 0;
        for (const Entry& e : kFields) matches += covers(e.path, field);
        EXPECT_EQ(matches, 1) << field << (matches ? ": covered by more than one entry" : ": no entry says where it is applied or refused");
    }
}

TEST(SpecFields, EveryEntryIsAFieldAndNamesAFileThatExists) {
    auto fields = config_fields();
    for (const Entry& e : kFields) {
        bool used = std::any_of(fields.begin(), fields.end(), [&](const std::string& f) { return covers(e.path, f); });
        EXPECT_TRUE(used) << e.path << ": the parser has no such field";
        struct stat st;
        EXPECT_EQ(::stat((std::string(BERTH_SOURCE_DIR) + "/" + e.where).c_str(), &st), 0) << e.path << ": " << e.where;
    }
}

}  // namespace
