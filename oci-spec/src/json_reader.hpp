// Reads spec structs from a RapidJSON DOM by walking their field lists
// (fields.hpp). The first error stops the walk; it names the JSON path.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "fields.hpp"
#include "rules.hpp"
#include "traits.hpp"

namespace oci::detail {

using JsonValue = rapidjson::Value;

// A JSON path, linked through the reader's stack frames; it is only turned
// into text when an error is reported, so a clean parse builds no strings.
struct Path {
    enum class Kind : uint8_t { root, member, element, map_key };
    const Path* parent = nullptr;
    Kind kind = Kind::root;
    std::string_view name;
    size_t index = 0;

    Path member(std::string_view key) const { return {this, Kind::member, key, 0}; }
    Path element(size_t i) const { return {this, Kind::element, {}, i}; }
    Path map_key(std::string_view key) const { return {this, Kind::map_key, key, 0}; }
    // `linux.resources.devices[0].access`, `linux.sysctl["net.ipv4.ip_forward"]`.
    std::string str() const;
};

// The first failure of a parse, with the path where it happened.
class Failure {
public:
    bool failed() const { return message_.has_value(); }
    void fail(const Path& at, std::string what);
    // `<where>: <what>`, or just `<what>` at the document root.
    const std::string& message() const { return *message_; }

private:
    std::optional<std::string> message_;
};

void read_value(const JsonValue& v, const Path& p, bool& out, Failure& f);
void read_value(const JsonValue& v, const Path& p, std::string& out, Failure& f);
void read_value(const JsonValue& v, const Path& p, NamespaceType& out, Failure& f);
// Range-checked for the C type: `min` and `max` are its limits, `type` its name.
void read_signed(const JsonValue& v, const Path& p, int64_t& out, int64_t min, int64_t max, const char* type, Failure& f);
void read_unsigned(const JsonValue& v, const Path& p, uint64_t& out, uint64_t max, const char* type, Failure& f);
// Fails unless `v` is an object / array.
bool expect(const JsonValue& v, const Path& p, rapidjson::Type type, Failure& f);

template <class T>
void read_value(const JsonValue& v, const Path& p, T& out, Failure& f);

// The visitor handed to `fields()`: reads the members of one JSON object.
class ObjectReader {
public:
    ObjectReader(const JsonValue& obj, const Path& path, Failure& failure)
        : obj_(obj), path_(path), failure_(failure) {}

    template <class T, class... Rules>
    void operator()(const char* key, T& field, const Rules&... rules) {
        member(key, field, false, rules...);
    }
    template <class T, class... Rules>
    void required(const char* key, T& field, const Rules&... rules) {
        member(key, field, true, rules...);
    }
    template <class Visit>
    void nested(const char* key, Visit&& visit) {
        const Path at = path_.member(key);
        for_each_match(key, [&](const JsonValue& v) {
            if (!expect(v, at, rapidjson::kObjectType, failure_)) return;
            ObjectReader inner(v, at, failure_);
            visit(inner);
        });
    }

private:
    // Calls `read` with the value of every member whose name is `key` in any
    // ASCII case, in document order, as runc's Go decoder (encoding/json)
    // matches struct fields: a later one merges into an earlier object and
    // replaces an earlier value (`"cpu": {...}, "CPU": {"Cpus": "0"}` is one
    // cpu with both). Null members count as absent (Go clients write null for
    // unset fields). Returns whether any member was read.
    template <class Read>
    bool for_each_match(const char* key, Read&& read) {
        bool found = false;
        for (auto m = obj_.MemberBegin(); m != obj_.MemberEnd() && !failure_.failed(); ++m) {
            if (m->value.IsNull() || !names_match({m->name.GetString(), m->name.GetStringLength()}, key)) continue;
            found = true;
            read(m->value);
        }
        return found;
    }
    static bool names_match(std::string_view name, std::string_view key);

    template <class T, class... Rules>
    void member(const char* key, T& field, bool required, const Rules&... rules) {
        if (failure_.failed()) return;
        const Path at = path_.member(key);
        if (!for_each_match(key, [&](const JsonValue& v) { read_value(v, at, field, failure_); })) {
            if (required) failure_.fail(at, "required property is missing");
            return;
        }
        (check(rules, field, at), ...);
    }

    template <class Rule, class T>
    void check(const Rule& rule, const T& value, const Path& at);

    const JsonValue& obj_;
    const Path& path_;
    Failure& failure_;
};

// ---- rules ---------------------------------------------------------------

void check_rule(const OneOf& rule, const std::string& value, const Path& p, Failure& f);
void check_rule(const CharsFrom& rule, const std::string& value, const Path& p, Failure& f);
void check_rule(const Positive& rule, int64_t value, const Path& p, Failure& f);
void check_rule(const DistinctNamespaces& rule, const std::vector<Namespace>& value, const Path& p, Failure& f);
void check_rule(const DistinctRlimits& rule, const std::vector<Rlimit>& value, const Path& p, Failure& f);

// Rules on a single value apply to each element of an array, and to each key of a map.
template <class Rule, class T>
void check_rule(const Rule& rule, const std::vector<T>& values, const Path& p, Failure& f) {
    for (size_t i = 0; i < values.size() && !f.failed(); ++i) check_rule(rule, values[i], p.element(i), f);
}
template <class Rule, class T>
void check_rule(const Rule& rule, const std::map<std::string, T>& values, const Path& p, Failure& f) {
    for (auto it = values.begin(); it != values.end() && !f.failed(); ++it) check_rule(rule, it->first, p.map_key(it->first), f);
}
template <class Rule, class T>
void check_rule(const Rule& rule, const std::optional<T>& value, const Path& p, Failure& f) {
    if (value) check_rule(rule, *value, p, f);
}

template <class Rule, class T>
void ObjectReader::check(const Rule& rule, const T& value, const Path& at) {
    if (!failure_.failed()) check_rule(rule, value, at, failure_);
}

// ---- values --------------------------------------------------------------

template <class T>
void read_value(const JsonValue& v, const Path& p, T& out, Failure& f) {
    if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
        int64_t x = 0;
        read_signed(v, p, x, std::numeric_limits<T>::min(), std::numeric_limits<T>::max(),
                    sizeof(T) == 8 ? "int64" : sizeof(T) == 4 ? "int32" : "int16", f);
        out = static_cast<T>(x);
    } else if constexpr (std::is_integral_v<T>) {
        uint64_t x = 0;
        read_unsigned(v, p, x, std::numeric_limits<T>::max(),
                      sizeof(T) == 8 ? "uint64" : sizeof(T) == 4 ? "uint32" : "uint16", f);
        out = static_cast<T>(x);
    } else if constexpr (IsOptional<T>::value) {
        if (!out) out.emplace();  // a second member of the same name merges into the first
        read_value(v, p, *out, f);
    } else if constexpr (IsVector<T>::value) {
        if (!expect(v, p, rapidjson::kArrayType, f)) return;
        out.clear();  // an array replaces an earlier one of the same name, as in Go
        out.resize(v.Size());
        for (rapidjson::SizeType i = 0; i < v.Size() && !f.failed(); ++i) read_value(v[i], p.element(i), out[i], f);
    } else if constexpr (IsMap<T>::value) {
        if (!expect(v, p, rapidjson::kObjectType, f)) return;
        for (auto m = v.MemberBegin(); m != v.MemberEnd() && !f.failed(); ++m) {
            std::string key(m->name.GetString(), m->name.GetStringLength());
            read_value(m->value, p.map_key(key), out[key], f);
        }
    } else {
        if (!expect(v, p, rapidjson::kObjectType, f)) return;
        ObjectReader reader(v, p, f);
        fields(reader, out);
    }
}

}  // namespace oci::detail
