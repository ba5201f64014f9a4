// Writes spec structs with a RapidJSON Writer or PrettyWriter by walking their
// field lists (fields.hpp). Unset optionals and empty containers are omitted,
// like Go's `omitempty` in runc's types.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "fields.hpp"
#include "traits.hpp"

namespace oci::detail {

template <class T>
bool is_unset(const T&) {
    return false;
}
template <class T>
bool is_unset(const std::optional<T>& v) {
    return !v.has_value();
}
template <class T>
bool is_unset(const std::vector<T>& v) {
    return v.empty();
}
template <class T>
bool is_unset(const std::map<std::string, T>& v) {
    return v.empty();
}

template <class W, class T>
void write_value(W& w, const T& value);

// The visitor handed to `fields()`: writes the members of one JSON object.
template <class W>
class ObjectWriter {
public:
    explicit ObjectWriter(W& w) : w_(w) {}

    template <class T, class... Rules>
    void operator()(const char* key, const T& field, const Rules&...) {
        if (!is_unset(field)) required(key, field);
    }
    template <class T, class... Rules>
    void required(const char* key, const T& field, const Rules&...) {
        w_.Key(key);
        write_value(w_, field);
    }
    template <class Visit>
    void nested(const char* key, Visit&& visit) {
        w_.Key(key);
        w_.StartObject();
        visit(*this);
        w_.EndObject();
    }

private:
    W& w_;
};

template <class W, class T>
void write_value(W& w, const T& value) {
    if constexpr (std::is_same_v<T, bool>) {
        w.Bool(value);
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
        w.Int64(value);
    } else if constexpr (std::is_integral_v<T>) {
        w.Uint64(value);
    } else if constexpr (std::is_same_v<T, std::string>) {
        w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    } else if constexpr (std::is_same_v<T, NamespaceType>) {
        w.String(to_string(value));
    } else if constexpr (IsOptional<T>::value) {
        write_value(w, *value);
    } else if constexpr (IsVector<T>::value) {
        w.StartArray();
        for (const auto& item : value) write_value(w, item);
        w.EndArray();
    } else if constexpr (IsMap<T>::value) {
        w.StartObject();
        for (const auto& [key, item] : value) {
            w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
            write_value(w, item);
        }
        w.EndObject();
    } else {
        w.StartObject();
        ObjectWriter<W> members(w);
        fields(members, value);
        w.EndObject();
    }
}

}  // namespace oci::detail
