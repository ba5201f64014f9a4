#include "berth/linux/rootless.hpp"

#include <unistd.h>

#include <cstdio>

#include "berth/util/file.hpp"

namespace berth::linux_setup {

bool in_user_namespace() {
    auto map = read_file("/proc/self/uid_map");
    if (!map) return false;
    unsigned long inside = 0, outside = 0, size = 0;
    if (std::sscanf(map->c_str(), "%lu %lu %lu", &inside, &outside, &size) != 3) return false;
    return !(inside == 0 && outside == 0 && size == 4294967295UL);
}

bool rootless_by_default() { return ::geteuid() != 0 || in_user_namespace(); }

}  // namespace berth::linux_setup
