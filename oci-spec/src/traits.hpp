// Which container a field type is: the reader and writer dispatch on it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace oci::detail {

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};
template <class T>
struct IsMap : std::false_type {};
template <class T>
struct IsMap<std::map<std::string, T>> : std::true_type {};

}  // namespace oci::detail
