#include <array>

#include "oci/spec.hpp"

namespace oci {

namespace {

// Indexed by NamespaceType.
constexpr std::array<const char*, 8> kNamespaceNames = {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"};

}  // namespace

const char* to_string(NamespaceType type) { return kNamespaceNames[static_cast<size_t>(type)]; }

std::optional<NamespaceType> namespace_type(std::string_view name) {
    for (size_t i = 0; i < kNamespaceNames.size(); ++i) {
        if (name == kNamespaceNames[i]) return static_cast<NamespaceType>(i);
    }
    return std::nullopt;
}

}  // namespace oci
