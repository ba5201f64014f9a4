#include <unistd.h>

#include <cerrno>

#include "berth/cgroups/convert.hpp"
#include "berth/cgroups/files.hpp"
#include "berth/cgroups/resources.hpp"

namespace berth::cgroups {
namespace {

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// The directory of `controller`, or an error naming what could not be applied.
Result<std::string> need(const Cgroup& cg, const char* controller, const char* what) {
    std::string dir = cg.v1_dir(controller);
    if (dir.empty())
        return Error::msg(std::string("linux.resources.") + what + ": the " + controller +
                          " cgroup controller is not mounted on this host");
    return dir;
}

Status set_int(const std::string& file, int64_t value) { return write_file(file, std::to_string(value)); }

Status apply_memory(const Cgroup& cg, const oci::Memory& m) {
    BERTH_TRY_ASSIGN(std::string dir, need(cg, "memory", "memory"));
    BERTH_TRY(check_use_hierarchy(m));
    if (m.kernel) warn("linux.resources.memory.kernel is ignored: kernel memory limits are deprecated");
    if (m.kernelTCP) warn("linux.resources.memory.kernelTCP is ignored: kernel memory limits are deprecated");
    if (m.checkBeforeUpdate.value_or(false)) BERTH_TRY(check_memory_usage(dir + "/memory.usage_in_bytes", m));
    int64_t limit = m.limit.value_or(0);
    int64_t swap = m.swap.value_or(0);
    std::string memsw = dir + "/memory.memsw.limit_in_bytes";
    bool has_swap = exists(memsw);
    // Unlimited memory with swap unset means both unlimited (as runc).
    if (limit == -1 && swap == 0 && has_swap) swap = -1;
    if (swap != 0 && !has_swap)
        return Error::msg("linux.resources.memory.swap " + std::to_string(swap) +
                          ": swap accounting is not enabled (no memory.memsw.limit_in_bytes)");
    std::string mem = dir + "/memory.limit_in_bytes";
    if (limit != 0 && swap != 0) {
        // memory <= memory+swap at every step: grow memsw first, shrink memory first.
        BERTH_TRY_ASSIGN(int64_t current, read_int(mem));
        if (swap == -1 || current < swap) {
            BERTH_TRY(set_int(memsw, swap));
            BERTH_TRY(set_int(mem, limit));
        } else {
            BERTH_TRY(set_int(mem, limit));
            BERTH_TRY(set_int(memsw, swap));
        }
    } else {
        if (limit != 0) BERTH_TRY(set_int(mem, limit));
        if (swap != 0) BERTH_TRY(set_int(memsw, swap));
    }
    if (m.reservation) BERTH_TRY(set_int(dir + "/memory.soft_limit_in_bytes", *m.reservation));
    if (m.swappiness) {
        if (*m.swappiness > 100)
            return Error::msg("linux.resources.memory.swappiness " + std::to_string(*m.swappiness) +
                              ": must be between 0 and 100");
        BERTH_TRY(write_file(dir + "/memory.swappiness", std::to_string(*m.swappiness)));
    }
    if (m.disableOOMKiller.value_or(false)) BERTH_TRY(write_file(dir + "/memory.oom_control", "1"));
    return {};
}

Status apply_cpu(const Cgroup& cg, const oci::CPU& c) {
    bool cpu_needed = c.shares || c.quota || c.period || c.burst || c.realtimeRuntime || c.realtimePeriod || c.idle;
    if (cpu_needed) {
        BERTH_TRY_ASSIGN(std::string dir, need(cg, "cpu", "cpu"));
        // As on v2 (resources_v2.cpp): a group leaving idle does so before its shares are written.
        const bool leaving_idle = c.idle && *c.idle == 0;
        if (leaving_idle) BERTH_TRY(set_int(dir + "/cpu.idle", 0));
        if (c.shares && *c.shares != 0) {
            BERTH_TRY(write_file(dir + "/cpu.shares", std::to_string(*c.shares)));
            // The kernel clamps silently: report what it did not take.
            BERTH_TRY_ASSIGN(int64_t got, read_int(dir + "/cpu.shares"));
            if (static_cast<uint64_t>(got) != *c.shares)
                return Error::msg("linux.resources.cpu.shares " + std::to_string(*c.shares) +
                                  ": the kernel accepts " + std::to_string(got) + " at this end of its range");
        }
        if (c.period && *c.period != 0) {
            std::string file = dir + "/cpu.cfs_period_us";
            Status st = write_file(file, std::to_string(*c.period));
            // A shorter period can conflict with the old quota: set the quota first then.
            if (!st && c.quota) {
                BERTH_TRY(set_int(dir + "/cpu.cfs_quota_us", *c.quota));
                st = write_file(file, std::to_string(*c.period));
            }
            BERTH_TRY(st);
        }
        const bool quota = c.quota && *c.quota != 0;
        BERTH_TRY_ASSIGN(bool burst_after, write_burst_first(dir + "/cpu.cfs_burst_us", c.burst, quota));
        if (quota) BERTH_TRY(set_int(dir + "/cpu.cfs_quota_us", *c.quota));
        if (burst_after) BERTH_TRY(write_file(dir + "/cpu.cfs_burst_us", std::to_string(*c.burst)));
        // A period shorter than the current runtime is refused (EINVAL):
        // then the new runtime goes first and the period after (as runc).
        const bool rt_runtime = c.realtimeRuntime && *c.realtimeRuntime != 0;
        bool rt_period_after = false;
        if (c.realtimePeriod && *c.realtimePeriod != 0) {
            Status st = write_file(dir + "/cpu.rt_period_us", std::to_string(*c.realtimePeriod));
            if (!st && (st.error().code() != EINVAL || !rt_runtime)) return st;
            rt_period_after = !st;
        }
        if (rt_runtime) BERTH_TRY(set_int(dir + "/cpu.rt_runtime_us", *c.realtimeRuntime));
        if (rt_period_after) BERTH_TRY(write_file(dir + "/cpu.rt_period_us", std::to_string(*c.realtimePeriod)));
        if (c.idle && !leaving_idle) BERTH_TRY(set_int(dir + "/cpu.idle", *c.idle));
    }
    if ((c.cpus && !c.cpus->empty()) || (c.mems && !c.mems->empty())) {
        BERTH_TRY_ASSIGN(std::string dir, need(cg, "cpuset", "cpu.cpus"));
        if (c.cpus && !c.cpus->empty()) BERTH_TRY(write_file(dir + "/cpuset.cpus", *c.cpus));
        if (c.mems && !c.mems->empty()) BERTH_TRY(write_file(dir + "/cpuset.mems", *c.mems));
    }
    return {};
}

Status apply_blkio(const Cgroup& cg, const oci::BlockIO& b) {
    BERTH_TRY_ASSIGN(std::string dir, need(cg, "blkio", "blockIO"));
    // CFQ's blkio.weight is gone on kernels with BFQ only: use blkio.bfq.weight then.
    std::string weight_file = exists(dir + "/blkio.weight") ? dir + "/blkio.weight" : dir + "/blkio.bfq.weight";
    std::string weight_device = exists(dir + "/blkio.weight_device") ? dir + "/blkio.weight_device"
                                                                      : dir + "/blkio.bfq.weight_device";
    if (b.weight && *b.weight != 0) BERTH_TRY(write_file(weight_file, std::to_string(*b.weight)));
    if (b.leafWeight && *b.leafWeight != 0) BERTH_TRY(write_file(dir + "/blkio.leaf_weight", std::to_string(*b.leafWeight)));
    for (const auto& d : b.weightDevice) {
        std::string dev = device_number(d.major, d.minor);
        if (d.weight) BERTH_TRY(write_file(weight_device, dev + " " + std::to_string(*d.weight)));
        if (d.leafWeight)
            BERTH_TRY(write_file(dir + "/blkio.leaf_weight_device", dev + " " + std::to_string(*d.leafWeight)));
    }
    auto throttle = [&](const std::vector<oci::ThrottleDevice>& list, const char* file) -> Status {
        for (const auto& d : list)
            BERTH_TRY(write_file(dir + "/" + file, device_number(d.major, d.minor) + " " + std::to_string(d.rate)));
        return {};
    };
    BERTH_TRY(throttle(b.throttleReadBpsDevice, "blkio.throttle.read_bps_device"));
    BERTH_TRY(throttle(b.throttleWriteBpsDevice, "blkio.throttle.write_bps_device"));
    BERTH_TRY(throttle(b.throttleReadIOPSDevice, "blkio.throttle.read_iops_device"));
    BERTH_TRY(throttle(b.throttleWriteIOPSDevice, "blkio.throttle.write_iops_device"));
    return {};
}

Status apply_hugetlb(const Cgroup& cg, const std::vector<oci::HugepageLimit>& limits) {
    std::string dir = cg.v1_dir("hugetlb");
    if (dir.empty() && !cg.unified_dir().empty()) return apply_v2_hugetlb(cg.unified_dir(), limits);
    BERTH_TRY(need(cg, "hugetlb", "hugepageLimits"));
    for (const auto& h : limits) {
        std::string base = dir + "/hugetlb." + h.pageSize;
        BERTH_TRY(write_file(base + ".limit_in_bytes", std::to_string(h.limit)));
        if (exists(base + ".rsvd.limit_in_bytes"))
            BERTH_TRY(write_file(base + ".rsvd.limit_in_bytes", std::to_string(h.limit)));
    }
    return {};
}

Status apply_network(const Cgroup& cg, const oci::Network& n) {
    if (n.classID) {
        BERTH_TRY_ASSIGN(std::string dir, need(cg, "net_cls", "network.classID"));
        BERTH_TRY(write_file(dir + "/net_cls.classid", std::to_string(*n.classID)));
    }
    if (!n.priorities.empty()) {
        BERTH_TRY_ASSIGN(std::string dir, need(cg, "net_prio", "network.priorities"));
        for (const auto& p : n.priorities)
            BERTH_TRY(write_file(dir + "/net_prio.ifpriomap", p.name + " " + std::to_string(p.priority)));
    }
    return {};
}

}  // namespace

Status check_unified_allowed(const oci::Resources& r, Layout layout) {
    if (r.unified.empty() || layout == Layout::unified) return {};
    return Error::msg("invalid configuration: linux.resources.unified needs a cgroup v2 host (this host is " +
                      std::string(layout_name(layout)) + ")");
}

Status apply_v1(const Cgroup& cg, const oci::Resources& r) {
    BERTH_TRY(check_unified_allowed(r, cg.layout()));
    if (r.memory) BERTH_TRY(apply_memory(cg, *r.memory));
    if (r.cpu) BERTH_TRY(apply_cpu(cg, *r.cpu));
    if (r.pids && r.pids->limit) {
        BERTH_TRY_ASSIGN(std::string dir, need(cg, "pids", "pids"));
        BERTH_TRY(write_file(dir + "/pids.max", pids_max(*r.pids->limit)));
    }
    if (r.blockIO) BERTH_TRY(apply_blkio(cg, *r.blockIO));
    if (!r.hugepageLimits.empty()) BERTH_TRY(apply_hugetlb(cg, r.hugepageLimits));
    if (r.network) BERTH_TRY(apply_network(cg, *r.network));
    if (!r.rdma.empty()) {
        BERTH_TRY_ASSIGN(std::string dir, need(cg, "rdma", "rdma"));
        for (const auto& [dev, limit] : r.rdma) {
            Status st = write_file(dir + "/rdma.max", rdma_line(dev, limit));
            if (!st) return std::move(st).error().wrap("linux.resources.rdma[\"" + dev + "\"]");
        }
    }
    return {};
}

Result<bool> write_burst_first(const std::string& file, std::optional<uint64_t> burst, bool quota_follows) {
    if (!burst) return false;
    Status st = write_file(file, std::to_string(*burst));
    if (st) return false;
    if (st.error().code() == EINVAL && quota_follows) return true;
    return std::move(st).error().wrap("linux.resources.cpu.burst " + std::to_string(*burst));
}

Status check_memory_usage(const std::string& usage_file, const oci::Memory& m) {
    if (!m.limit || *m.limit <= 0) return {};
    BERTH_TRY_ASSIGN(int64_t usage, read_int(usage_file));
    if (usage > *m.limit)
        return Error::msg("linux.resources.memory.limit " + std::to_string(*m.limit) + " is below the current usage " +
                          std::to_string(usage) + " (" + usage_file + ") and checkBeforeUpdate is set");
    return {};
}

}  // namespace berth::cgroups
