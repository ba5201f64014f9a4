// Value rules the reader enforces beyond JSON types: the enumerations the
// runtime-spec fixes, character sets, and uniqueness within arrays.
#pragma once

#include <span>
#include <string_view>

#include "oci/names.hpp"

namespace oci::detail {

// The value (each element of an array, each key of a map) is one of `values`.
struct OneOf {
    std::span<const std::string_view> values;
};

// Every character of the string is in `allowed`.
struct CharsFrom {
    std::string_view allowed;
};

// An integer > 0.
struct Positive {};

// No two namespaces of one type.
struct DistinctNamespaces {};

// No two rlimits of one type.
struct DistinctRlimits {};

inline constexpr OneOf kRlimitTypes{names::kRlimitTypeNames};
inline constexpr OneOf kSchedulerPolicies{names::kSchedulerPolicyNames};
inline constexpr OneOf kSchedulerFlags{names::kSchedulerFlagNames};
inline constexpr OneOf kIOPriorityClasses{names::kIOPriorityClassNames};
inline constexpr OneOf kDeviceTypes{names::kDeviceTypeNames};
inline constexpr OneOf kDeviceCgroupTypes{names::kDeviceCgroupTypeNames};
inline constexpr OneOf kSeccompActions{names::kSeccompActionNames};
inline constexpr OneOf kSeccompOperators{names::kSeccompOperatorNames};
inline constexpr OneOf kSeccompArchs{names::kSeccompArchNames};
inline constexpr OneOf kSeccompFlags{names::kSeccompFlagNames};
inline constexpr OneOf kPersonalityDomains{names::kPersonalityDomainNames};
inline constexpr OneOf kMemoryPolicyModes{names::kMemoryPolicyModeNames};
inline constexpr OneOf kMemoryPolicyFlags{names::kMemoryPolicyFlagNames};
inline constexpr OneOf kRootfsPropagations{names::kRootfsPropagationNames};
inline constexpr OneOf kTimeOffsetClocks{names::kTimeOffsetClockNames};
inline constexpr OneOf kContainerStatuses{names::kContainerStatusNames};
inline constexpr CharsFrom kCpuList{"0123456789,- "};
inline constexpr Positive kPositive{};
inline constexpr DistinctNamespaces kDistinctNamespaces{};
inline constexpr DistinctRlimits kDistinctRlimits{};

}  // namespace oci::detail
