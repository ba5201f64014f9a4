// The kernel's list format for CPUs and memory nodes ("0-3,7"), as cpuset
// files print it and config.json's execCPUAffinity and memoryPolicy.nodes
// give it.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace berth {

// The ids in the order written (a range expands in place); empty for "".
// nullopt when an item is malformed, a range runs backwards or an id is not
// below `limit`.
std::optional<std::vector<unsigned>> parse_id_list(std::string_view list, unsigned limit);

}  // namespace berth
