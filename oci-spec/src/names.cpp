#include "oci/names.hpp"

#include <iterator>

#include "oci/spec.hpp"

namespace oci {

static_assert(std::size(names::kNamespaceTypeNames) == static_cast<size_t>(NamespaceType::time) + 1);

const char* to_string(NamespaceType type) {
    // The names are literals, so their data is NUL-terminated.
    return names::kNamespaceTypeNames[static_cast<size_t>(type)].data();
}

std::optional<NamespaceType> namespace_type(std::string_view name) {
    for (size_t i = 0; i < std::size(names::kNamespaceTypeNames); ++i) {
        if (name == names::kNamespaceTypeNames[i]) return static_cast<NamespaceType>(i);
    }
    return std::nullopt;
}

}  // namespace oci
