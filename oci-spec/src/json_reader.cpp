#include "json_reader.hpp"

#include <cstdio>
#include <cstring>
#include <set>

namespace oci::detail {

std::string Path::str() const {
    if (kind == Kind::root) return {};
    std::string out = parent->str();
    switch (kind) {
        case Kind::member:
            if (!out.empty()) out += '.';
            out += name;
            break;
        case Kind::element:
            out += '[' + std::to_string(index) + ']';
            break;
        case Kind::map_key:
            out += "[\"";
            for (char c : name) {
                if (c == '"' || c == '\\') out += '\\';
                out += c;
            }
            out += "\"]";
            break;
        case Kind::root:
            break;
    }
    return out;
}

void Failure::fail(const Path& at, std::string what) {
    if (failed()) return;
    std::string where = at.str();
    message_ = where.empty() ? std::move(what) : where + ": " + what;
}

namespace {

// "string", "number", ... for "expected X, got Y" messages.
const char* json_type_name(const JsonValue& v) {
    switch (v.GetType()) {
        case rapidjson::kNullType: return "null";
        case rapidjson::kFalseType:
        case rapidjson::kTrueType: return "boolean";
        case rapidjson::kObjectType: return "object";
        case rapidjson::kArrayType: return "array";
        case rapidjson::kStringType: return "string";
        case rapidjson::kNumberType: return "number";
    }
    return "unknown";
}

void fail_type(const JsonValue& v, const Path& p, const char* expected, Failure& f) {
    f.fail(p, std::string("expected ") + expected + ", got " + json_type_name(v));
}

// A number RapidJSON holds as a double: written with a fraction or exponent
// (1.5, 1e3, 2.0), which Go's decoder refuses for integers too, or beyond 64 bits.
void fail_non_integer(const JsonValue& v, const Path& p, const char* type, Failure& f) {
    const double d = v.GetDouble();
    char text[64];
    std::snprintf(text, sizeof text, "%.17g", d);
    if (d >= 0x1p64 || d < -0x1p63) {
        f.fail(p, std::string(text) + " is out of range for " + type);
    } else {
        f.fail(p, std::string("expected integer, got floating-point ") + text);
    }
}

template <class N>
void fail_range(N value, const Path& p, const char* type, Failure& f) {
    f.fail(p, std::to_string(value) + " is out of range for " + type);
}

}  // namespace

bool expect(const JsonValue& v, const Path& p, rapidjson::Type type, Failure& f) {
    if (v.GetType() == type) return true;
    fail_type(v, p, type == rapidjson::kObjectType ? "object" : "array", f);
    return false;
}

void read_value(const JsonValue& v, const Path& p, bool& out, Failure& f) {
    if (!v.IsBool()) return fail_type(v, p, "boolean", f);
    out = v.GetBool();
}

void read_value(const JsonValue& v, const Path& p, std::string& out, Failure& f) {
    if (!v.IsString()) return fail_type(v, p, "string", f);
    // A NUL would silently truncate the path or name at the syscall boundary.
    if (std::memchr(v.GetString(), '\0', v.GetStringLength()) != nullptr) {
        return f.fail(p, "string contains a NUL byte");
    }
    out.assign(v.GetString(), v.GetStringLength());
}

void read_value(const JsonValue& v, const Path& p, NamespaceType& out, Failure& f) {
    std::string name;
    read_value(v, p, name, f);
    if (f.failed()) return;
    if (auto type = namespace_type(name)) {
        out = *type;
        return;
    }
    check_rule(OneOf{names::kNamespaceTypeNames}, name, p, f);
}

void read_signed(const JsonValue& v, const Path& p, int64_t& out, int64_t min, int64_t max, const char* type,
                 Failure& f) {
    if (!v.IsNumber()) return fail_type(v, p, "integer", f);
    if (v.IsInt64()) {
        out = v.GetInt64();
        if (out < min || out > max) fail_range(out, p, type, f);
    } else if (v.IsUint64()) {
        fail_range(v.GetUint64(), p, type, f);
    } else {
        fail_non_integer(v, p, type, f);
    }
}

void read_unsigned(const JsonValue& v, const Path& p, uint64_t& out, uint64_t max, const char* type, Failure& f) {
    if (!v.IsNumber()) return fail_type(v, p, "integer", f);
    if (v.IsUint64()) {
        out = v.GetUint64();
        if (out > max) fail_range(out, p, type, f);
    } else if (v.IsInt64()) {
        fail_range(v.GetInt64(), p, type, f);
    } else {
        fail_non_integer(v, p, type, f);
    }
}

bool ObjectReader::names_match(std::string_view name, std::string_view key) {
    if (name.size() != key.size()) return false;
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    for (size_t i = 0; i < name.size(); ++i)
        if (lower(name[i]) != lower(key[i])) return false;
    return true;
}

// ---- rules ---------------------------------------------------------------

void check_rule(const OneOf& rule, const std::string& value, const Path& p, Failure& f) {
    std::string expected;
    for (std::string_view allowed : rule.values) {
        if (value == allowed) return;
        expected += expected.empty() ? "" : ", ";
        expected += allowed;
    }
    f.fail(p, "expected one of " + expected + ", got \"" + value + "\"");
}

void check_rule(const CharsFrom& rule, const std::string& value, const Path& p, Failure& f) {
    if (value.find_first_not_of(rule.allowed) == std::string::npos) return;
    f.fail(p, "expected only the characters \"" + std::string(rule.allowed) + "\", got \"" + value + "\"");
}

void check_rule(const Positive&, int64_t value, const Path& p, Failure& f) {
    if (value <= 0) f.fail(p, "expected a positive integer, got " + std::to_string(value));
}

namespace {

// Fails at `<array>[i].type` for the first element whose type repeats an earlier one.
template <class T, class Name>
void check_distinct_types(const std::vector<T>& items, const Path& p, const char* what, Name name, Failure& f) {
    std::set<std::string> seen;
    for (size_t i = 0; i < items.size(); ++i) {
        std::string type = name(items[i]);
        if (seen.insert(type).second) continue;
        const Path element = p.element(i);
        return f.fail(element.member("type"), std::string("duplicate ") + what + " type \"" + type + "\"");
    }
}

}  // namespace

void check_rule(const DistinctNamespaces&, const std::vector<Namespace>& value, const Path& p, Failure& f) {
    check_distinct_types(value, p, "namespace", [](const Namespace& ns) { return std::string(to_string(ns.type)); }, f);
}

void check_rule(const DistinctRlimits&, const std::vector<Rlimit>& value, const Path& p, Failure& f) {
    check_distinct_types(value, p, "rlimit", [](const Rlimit& r) { return r.type; }, f);
}

}  // namespace oci::detail
