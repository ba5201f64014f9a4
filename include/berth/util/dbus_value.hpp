// A value of the D-Bus type system: the part of it systemd's API uses.
//
// This is the one currency between the code that decides what to ask systemd
// (cgroups/systemd_*: unit names, properties from resources and annotations)
// and the code that speaks the wire protocol (util/dbus: marshalling, the
// connection). Neither needs the other's details.
//
//   Value::structure({Value::string("MemoryMax"), Value::variant(Value::uint64(1 << 30))})
//   Value::array("(sv)", {...})  // an empty array still knows its element type
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace berth::dbus {

// The single-character type codes of the D-Bus specification.
enum class Type : char {
    byte = 'y',
    boolean = 'b',
    int16 = 'n',
    uint16 = 'q',
    int32 = 'i',
    uint32 = 'u',
    int64 = 'x',
    uint64 = 't',
    double_ = 'd',
    string = 's',
    object_path = 'o',
    signature = 'g',
    unix_fd = 'h',
    array = 'a',
    structure = '(',
    variant = 'v',
    dict_entry = '{',
};

class Value {
public:
    static Value byte(uint8_t v) { return Value(Type::byte, v); }
    static Value boolean(bool v) { return Value(Type::boolean, v ? 1 : 0); }
    static Value int16(int16_t v) { return Value(Type::int16, static_cast<uint64_t>(static_cast<int64_t>(v))); }
    static Value uint16(uint16_t v) { return Value(Type::uint16, v); }
    static Value int32(int32_t v) { return Value(Type::int32, static_cast<uint64_t>(static_cast<int64_t>(v))); }
    static Value uint32(uint32_t v) { return Value(Type::uint32, v); }
    static Value int64(int64_t v) { return Value(Type::int64, static_cast<uint64_t>(v)); }
    static Value uint64(uint64_t v) { return Value(Type::uint64, v); }
    static Value double_(double v);
    static Value string(std::string v) { return Value(Type::string, std::move(v)); }
    static Value object_path(std::string v) { return Value(Type::object_path, std::move(v)); }
    static Value signature(std::string v) { return Value(Type::signature, std::move(v)); }
    // `element` is the element's complete signature ("(sv)", "s", "{sv}"); every
    // item must have exactly that signature.
    static Value array(std::string element, std::vector<Value> items);
    static Value bytes(const std::vector<uint8_t>& data);  // "ay"
    static Value structure(std::vector<Value> fields);
    static Value variant(Value inner);
    static Value dict_entry(Value key, Value value);

    Type type() const { return type_; }
    // The complete signature of this value ("t", "a(sv)", "(sa(sv))", "v").
    std::string signature() const;

    // Scalars: the number as stored (signed types sign-extended to 64 bits;
    // double: its bit pattern). Strings, object paths and signatures: text().
    uint64_t number() const { return number_; }
    int64_t as_signed() const { return static_cast<int64_t>(number_); }
    double as_double() const;
    bool as_bool() const { return number_ != 0; }
    const std::string& text() const { return text_; }
    // Arrays: the items; structures: the fields; variant: one item (the inner
    // value); dict entry: key and value.
    const std::vector<Value>& children() const { return children_; }
    // Arrays only: the element signature.
    const std::string& element_signature() const { return text_; }

    bool operator==(const Value& other) const = default;

private:
    Value(Type type, uint64_t number) : type_(type), number_(number) {}
    Value(Type type, std::string text) : type_(type), text_(std::move(text)) {}
    Value(Type type, std::string text, std::vector<Value> children)
        : type_(type), text_(std::move(text)), children_(std::move(children)) {}

    Type type_ = Type::byte;
    uint64_t number_ = 0;
    std::string text_;              // string-like values; arrays: the element signature
    std::vector<Value> children_;
};

// A named unit property, the `(sv)` of systemd's StartTransientUnit and
// SetUnitProperties: {"MemoryMax", Value::uint64(...)}.
struct Property {
    std::string name;
    Value value;

    bool operator==(const Property& other) const = default;
};

// The properties as the `a(sv)` argument.
Value properties_value(const std::vector<Property>& properties);

}  // namespace berth::dbus
