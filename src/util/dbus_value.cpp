#include "berth/util/dbus_value.hpp"

#include <cstring>

namespace berth::dbus {

Value Value::double_(double v) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(bits));
    return Value(Type::double_, bits);
}

double Value::as_double() const {
    double v = 0;
    std::memcpy(&v, &number_, sizeof(v));
    return v;
}

Value Value::array(std::string element, std::vector<Value> items) {
    return Value(Type::array, std::move(element), std::move(items));
}

Value Value::bytes(const std::vector<uint8_t>& data) {
    std::vector<Value> items;
    items.reserve(data.size());
    for (uint8_t b : data) items.push_back(byte(b));
    return array("y", std::move(items));
}

Value Value::structure(std::vector<Value> fields) { return Value(Type::structure, std::string(), std::move(fields)); }

Value Value::variant(Value inner) {
    std::vector<Value> one;
    one.push_back(std::move(inner));
    return Value(Type::variant, std::string(), std::move(one));
}

Value Value::dict_entry(Value key, Value value) {
    std::vector<Value> two;
    two.push_back(std::move(key));
    two.push_back(std::move(value));
    return Value(Type::dict_entry, std::string(), std::move(two));
}

std::string Value::signature() const {
    switch (type_) {
        case Type::array: return "a" + text_;
        case Type::structure: {
            std::string out = "(";
            for (const auto& f : children_) out += f.signature();
            return out + ")";
        }
        case Type::dict_entry: return "{" + children_[0].signature() + children_[1].signature() + "}";
        default: return std::string(1, static_cast<char>(type_));
    }
}

Value properties_value(const std::vector<Property>& properties) {
    std::vector<Value> items;
    items.reserve(properties.size());
    for (const auto& p : properties) items.push_back(Value::structure({Value::string(p.name), Value::variant(p.value)}));
    return Value::array("(sv)", std::move(items));
}

}  // namespace berth::dbus
