#include <unistd.h>

#include <cerrno>

#include "berth/cgroups/convert.hpp"
#include "berth/cgroups/files.hpp"
#include "berth/cgroups/resources.hpp"

namespace berth::cgroups {
namespace {

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// Writes a v2 file; a missing file means its controller is not enabled here.
Status put(const std::string& dir, const std::string& file, const std::string& value) {
    std::string path = dir + "/" + file;
    Status st = write_file(path, value);
    if (!st && st.error().code() == ENOENT) {
        std::string controller = file.substr(0, file.find('.'));
        return std::move(st).error().wrap("the " + controller + " controller is not enabled for \"" + dir +
                                          "\" (see its parent's cgroup.subtree_control)");
    }
    return st;
}

Status apply_memory(const std::string& dir, const oci::Memory& m) {
    BERTH_TRY(check_use_hierarchy(m));
    if (m.kernel) warn("linux.resources.memory.kernel is ignored: there is no kernel memory limit on cgroup v2");
    if (m.kernelTCP) warn("linux.resources.memory.kernelTCP is ignored: there is no kernel memory limit on cgroup v2");
    if (m.swappiness) warn("linux.resources.memory.swappiness is ignored: cgroup v2 has no per-cgroup swappiness");
    if (m.disableOOMKiller.value_or(false))
        warn("linux.resources.memory.disableOOMKiller is ignored: cgroup v2 cannot disable the OOM killer");
    if (m.checkBeforeUpdate.value_or(false)) BERTH_TRY(check_memory_usage(dir + "/memory.current", m));
    int64_t limit = m.limit.value_or(0);
    BERTH_TRY_ASSIGN(int64_t swap, swap_to_v2(m.swap.value_or(0), limit));
    // Swap first: lowering memory.max below usage reclaims into swap, which must fit.
    if (swap != 0) {
        if (!exists(dir + "/memory.swap.max"))
            return Error::msg("linux.resources.memory.swap " + std::to_string(*m.swap) +
                              ": swap accounting is not enabled (no memory.swap.max)");
        BERTH_TRY(put(dir, "memory.swap.max", v2_limit(swap)));
    }
    if (limit != 0) BERTH_TRY(put(dir, "memory.max", v2_limit(limit)));
    if (m.reservation && *m.reservation != 0) BERTH_TRY(put(dir, "memory.low", v2_limit(*m.reservation)));
    return {};
}

Status apply_cpu(const std::string& dir, const oci::CPU& c) {
    if ((c.realtimeRuntime && *c.realtimeRuntime != 0) || (c.realtimePeriod && *c.realtimePeriod != 0))
        return Error::msg("linux.resources.cpu.realtimeRuntime/realtimePeriod: not supported on cgroup v2");
    // The kernel refuses a weight (EINVAL) while the group is idle: a group
    // leaving idle does so first, one becoming idle gets its weight before.
    const bool leaving_idle = c.idle && *c.idle == 0;
    if (leaving_idle) BERTH_TRY(put(dir, "cpu.idle", "0"));
    if (c.shares && *c.shares != 0) BERTH_TRY(put(dir, "cpu.weight", std::to_string(shares_to_weight(*c.shares))));
    if (c.idle && !leaving_idle) BERTH_TRY(put(dir, "cpu.idle", std::to_string(*c.idle)));
    const bool bandwidth = (c.quota && *c.quota != 0) || (c.period && *c.period != 0);
    BERTH_TRY_ASSIGN(bool burst_after, write_burst_first(dir + "/cpu.max.burst", c.burst, bandwidth));
    if (bandwidth) {
        auto current = read_line(dir + "/cpu.max");
        BERTH_TRY(put(dir, "cpu.max", cpu_max(c.quota, c.period, current ? *current : std::string())));
        if (burst_after) BERTH_TRY(put(dir, "cpu.max.burst", std::to_string(*c.burst)));
    }
    if (c.cpus && !c.cpus->empty()) BERTH_TRY(put(dir, "cpuset.cpus", *c.cpus));
    if (c.mems && !c.mems->empty()) BERTH_TRY(put(dir, "cpuset.mems", *c.mems));
    return {};
}

Status apply_io(const std::string& dir, const oci::BlockIO& b) {
    if (b.leafWeight) warn("linux.resources.blockIO.leafWeight is ignored: cgroup v2 has no leaf weight");
    // With BFQ, io.bfq.weight takes blkio units unconverted; else io.weight.
    bool bfq = exists(dir + "/io.bfq.weight");
    auto weight = [&](uint16_t w) { return std::to_string(bfq ? w : blkio_to_io_weight(w)); };
    const char* weight_file = bfq ? "io.bfq.weight" : "io.weight";
    if (b.weight && *b.weight != 0) BERTH_TRY(put(dir, weight_file, (bfq ? "" : "default ") + weight(*b.weight)));
    for (const auto& d : b.weightDevice) {
        if (d.leafWeight) warn("linux.resources.blockIO.weightDevice[].leafWeight is ignored on cgroup v2");
        if (d.weight) BERTH_TRY(put(dir, weight_file, device_number(d.major, d.minor) + " " + weight(*d.weight)));
    }
    auto throttle = [&](const std::vector<oci::ThrottleDevice>& list, const char* key) -> Status {
        for (const auto& d : list) {
            std::string rate = d.rate == 0 ? "max" : std::to_string(d.rate);
            BERTH_TRY(put(dir, "io.max", device_number(d.major, d.minor) + " " + key + "=" + rate));
        }
        return {};
    };
    BERTH_TRY(throttle(b.throttleReadBpsDevice, "rbps"));
    BERTH_TRY(throttle(b.throttleWriteBpsDevice, "wbps"));
    BERTH_TRY(throttle(b.throttleReadIOPSDevice, "riops"));
    BERTH_TRY(throttle(b.throttleWriteIOPSDevice, "wiops"));
    return {};
}

Status apply_unified(const std::string& dir, const std::map<std::string, std::string>& unified) {
    for (const auto& [key, value] : unified) {
        BERTH_TRY(check_unified_key(key));
        BERTH_TRY(put(dir, key, value));
    }
    return {};
}

}  // namespace

Status check_unified_key(const std::string& key) {
    if (key.empty() || key.find('/') != std::string::npos || key == "." || key == "..")
        return Error::msg("linux.resources.unified: invalid key \"" + key + "\"");
    if (key.rfind("cgroup.", 0) == 0 && key != "cgroup.freeze" && key != "cgroup.max.depth" &&
        key != "cgroup.max.descendants" && key != "cgroup.type")
        return Error::msg("linux.resources.unified: \"" + key + "\" is not a resource");
    return {};
}

Status apply_v2_hugetlb(const std::string& dir, const std::vector<oci::HugepageLimit>& limits) {
    for (const auto& h : limits) {
        std::string base = "hugetlb." + h.pageSize;
        BERTH_TRY(put(dir, base + ".max", std::to_string(h.limit)));
        if (exists(dir + "/" + base + ".rsvd.max")) BERTH_TRY(put(dir, base + ".rsvd.max", std::to_string(h.limit)));
    }
    return {};
}

Status apply_v2(const std::string& dir, const oci::Resources& r) {
    if (r.memory) BERTH_TRY(apply_memory(dir, *r.memory));
    if (r.cpu) BERTH_TRY(apply_cpu(dir, *r.cpu));
    if (r.pids && r.pids->limit) BERTH_TRY(put(dir, "pids.max", pids_max(*r.pids->limit)));
    if (r.blockIO) BERTH_TRY(apply_io(dir, *r.blockIO));
    if (!r.hugepageLimits.empty()) BERTH_TRY(apply_v2_hugetlb(dir, r.hugepageLimits));
    if (r.network && (r.network->classID || !r.network->priorities.empty()))
        return Error::msg("linux.resources.network: net_cls/net_prio do not exist on cgroup v2");
    for (const auto& [dev, limit] : r.rdma) {
        // ENODEV: the kernel knows no RDMA device of that name
        Status st = put(dir, "rdma.max", rdma_line(dev, limit));
        if (!st) return std::move(st).error().wrap("linux.resources.rdma[\"" + dev + "\"]");
    }
    BERTH_TRY(apply_unified(dir, r.unified));
    return {};
}

}  // namespace berth::cgroups
