#include "berth/cgroups/convert.hpp"

namespace berth::cgroups {

uint64_t shares_to_weight(uint64_t shares) {
    if (shares == 0) return 0;
    if (shares < 2) shares = 2;
    if (shares > 262144) shares = 262144;
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t blkio_to_io_weight(uint64_t weight) {
    if (weight == 0) return 0;
    if (weight < 10) weight = 10;
    if (weight > 1000) weight = 1000;
    return 1 + (weight - 10) * 9999 / 990;
}

Result<int64_t> swap_to_v2(int64_t swap, int64_t memory) {
    // Like v1: an unlimited memory with swap unset means both unlimited.
    if (memory == -1 && swap == 0) return int64_t{-1};
    if (swap == -1 || swap == 0) return swap;
    if (memory == 0 || memory == -1)
        return Error::msg("memory.swap " + std::to_string(swap) + ": a swap limit needs a memory limit");
    if (memory < 0) return Error::msg("memory.limit " + std::to_string(memory) + ": invalid");
    if (swap < memory)
        return Error::msg("memory.swap " + std::to_string(swap) + " is below memory.limit " + std::to_string(memory) +
                          " (swap is memory+swap)");
    return swap - memory;
}

std::string v2_limit(int64_t value) { return value < 0 ? "max" : std::to_string(value); }

std::string pids_max(int64_t limit) { return limit == 0 ? "1" : v2_limit(limit); }

Status check_use_hierarchy(const oci::Memory& memory) {
    if (memory.useHierarchy.value_or(true)) return {};
    return Error::msg("linux.resources.memory.useHierarchy: false is not possible: the kernel's memory cgroups are "
                      "always hierarchical");
}

std::string cpu_max(std::optional<int64_t> quota, std::optional<uint64_t> period, const std::string& current) {
    size_t space = current.find(' ');
    std::string cur_quota = space == std::string::npos ? current : current.substr(0, space);
    std::string cur_period = space == std::string::npos ? "100000" : current.substr(space + 1);
    if (cur_quota.empty()) cur_quota = "max";
    std::string q = quota ? (*quota > 0 ? std::to_string(*quota) : "max") : cur_quota;
    std::string p = period && *period != 0 ? std::to_string(*period) : cur_period;
    return q + " " + p;
}

std::string device_number(int64_t major, int64_t minor) {
    return (major < 0 ? std::string("*") : std::to_string(major)) + ":" +
           (minor < 0 ? std::string("*") : std::to_string(minor));
}

std::string device_access(const oci::DeviceCgroup& rule) {
    std::string access;
    for (char c : rule.access.value_or("rwm"))
        if ((c == 'r' || c == 'w' || c == 'm') && access.find(c) == std::string::npos) access += c;
    return access.empty() && rule.access.value_or("").empty() ? "rwm" : access;
}

std::string device_rule(const oci::DeviceCgroup& rule) {
    std::string type = rule.type.value_or("a");
    std::string access = device_access(rule);
    return type + " " + device_number(rule.major.value_or(-1), rule.minor.value_or(-1)) + " " + access;
}

std::string rdma_line(const std::string& device, const oci::Rdma& limit) {
    std::string line = device;
    if (limit.hcaHandles) line += " hca_handle=" + std::to_string(*limit.hcaHandles);
    if (limit.hcaObjects) line += " hca_object=" + std::to_string(*limit.hcaObjects);
    return line;
}

}  // namespace berth::cgroups
