#include "berth/cgroups/systemd_annotations.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

namespace berth::cgroups::systemd {
namespace {

using dbus::Value;

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// ---- tokens ----

struct Token {
    enum Kind { end, open, close, comma, annotation, string, word } kind = end;
    std::string text;  // annotation: the signature; string: unescaped; word: as written
};

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '+' ||
           c == '-' || c == '_';
}

Result<std::string> unescape(std::string_view body) {
    std::string out;
    for (size_t i = 0; i < body.size(); ++i) {
        if (body[i] != '\\') {
            out += body[i];
            continue;
        }
        if (++i == body.size()) return Error::msg("a string ends in '\\'");
        switch (body[i]) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'a': out += '\a'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'v': out += '\v'; break;
            case 'u':
            case 'U':
                return Error::msg("\\u and \\U escapes are not supported");
            default: out += body[i];  // \\, \', \" and any other character as itself
        }
    }
    return out;
}

Result<std::vector<Token>> tokenize(std::string_view text) {
    std::vector<Token> out;
    size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            ++i;
        } else if (c == '[' || c == ']' || c == ',') {
            out.push_back({c == '[' ? Token::open : c == ']' ? Token::close : Token::comma, {}});
            ++i;
        } else if (c == '\'' || c == '"') {
            size_t j = i + 1;
            while (j < text.size() && text[j] != c) j += text[j] == '\\' ? 2 : 1;
            if (j >= text.size()) return Error::msg("a string is not closed");
            BERTH_TRY_ASSIGN(std::string s, unescape(text.substr(i + 1, j - i - 1)));
            out.push_back({Token::string, std::move(s)});
            i = j + 1;
        } else if (c == '@') {
            size_t j = i + 1;
            while (j < text.size() && std::string_view("abynqiuxtdsogv(){}mh").find(text[j]) != std::string_view::npos) ++j;
            out.push_back({Token::annotation, std::string(text.substr(i + 1, j - i - 1))});
            i = j;
        } else if (is_word_char(c)) {
            size_t j = i;
            while (j < text.size() && is_word_char(text[j])) ++j;
            out.push_back({Token::word, std::string(text.substr(i, j - i))});
            i = j;
        } else {
            return Error::msg(std::string("'") + c + "' is not supported (variants, dictionaries, tuples)");
        }
    }
    out.push_back({Token::end, {}});
    return out;
}

// ---- syntax ----

// A parsed value before its type is settled (untyped numbers fit many types).
struct Node {
    enum Kind { number, string, boolean, array } kind = number;
    std::string type;  // the type given for it ("t", "as"), "" when none
    std::string text;  // number as written, string contents, "true"/"false"
    std::vector<Node> items;
};

const std::map<std::string_view, std::string_view>& type_keywords() {
    static const std::map<std::string_view, std::string_view> kKeywords = {
        {"boolean", "b"}, {"byte", "y"},    {"int16", "n"},  {"uint16", "q"},     {"int32", "i"},     {"uint32", "u"},
        {"int64", "x"},   {"uint64", "t"},  {"double", "d"}, {"string", "s"},     {"objectpath", "o"}, {"signature", "g"}};
    return kKeywords;
}

bool is_basic(char c) { return std::string_view("bynqiuxtdsog").find(c) != std::string_view::npos; }

// Types we build: the basic ones and arrays of them (of arrays...).
bool is_supported_type(std::string_view sig) {
    while (!sig.empty() && sig.front() == 'a') sig.remove_prefix(1);
    return sig.size() == 1 && is_basic(sig.front());
}

class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

    Result<Node> value() {
        std::string type;
        if (peek().kind == Token::annotation || (peek().kind == Token::word && type_keywords().count(peek().text))) {
            Token t = take();
            type = t.kind == Token::annotation ? t.text : std::string(type_keywords().at(t.text));
            if (!is_supported_type(type)) return Error::msg("type " + quoted(type) + " is not supported");
        }
        Token t = take();
        Node node;
        node.type = type;
        switch (t.kind) {
            case Token::string: node.kind = Node::string; node.text = std::move(t.text); return node;
            case Token::open: {
                node.kind = Node::array;
                if (peek().kind == Token::close) {
                    take();
                    return node;
                }
                while (true) {
                    BERTH_TRY_ASSIGN(Node item, value());
                    node.items.push_back(std::move(item));
                    Token sep = take();
                    if (sep.kind == Token::close) return node;
                    if (sep.kind != Token::comma) return Error::msg("expected ',' or ']' in an array");
                }
            }
            case Token::word:
                if (t.text == "true" || t.text == "false") {
                    node.kind = Node::boolean;
                } else if (t.text.front() == '-' || t.text.front() == '+' || (t.text.front() >= '0' && t.text.front() <= '9')) {
                    node.kind = Node::number;
                } else {
                    return Error::msg(quoted(t.text) + " is not a value (strings need quotes)");
                }
                node.text = std::move(t.text);
                return node;
            case Token::end: return Error::msg("a value is missing");
            default: return Error::msg("unexpected ',' or ']'");
        }
    }

    bool at_end() const { return tokens_[pos_].kind == Token::end; }

private:
    const Token& peek() const { return tokens_[pos_]; }
    Token take() { return pos_ + 1 < tokens_.size() ? tokens_[pos_++] : tokens_.back(); }

    std::vector<Token> tokens_;
    size_t pos_ = 0;
};

// ---- types ----

bool looks_floating(std::string_view number) {
    bool hex = number.find("0x") != number.npos || number.find("0X") != number.npos;
    return !hex && number.find_first_of(".eE") != number.npos;
}

// The type a value has without context (godbus: int32, double, string, boolean, array of its first item's).
Result<std::string> infer(const Node& node) {
    if (!node.type.empty()) return node.type;
    switch (node.kind) {
        case Node::number: return std::string(looks_floating(node.text) ? "d" : "i");
        case Node::string: return std::string("s");
        case Node::boolean: return std::string("b");
        case Node::array:
            if (node.items.empty()) return Error::msg("the type of an empty array is unknown (write e.g. \"@as []\")");
            BERTH_TRY_ASSIGN(std::string item, infer(node.items.front()));
            return "a" + item;
    }
    return Error::msg("unknown value");
}

// An integer as GLib writes them: optional '-', then decimal, 0x hex or 0 octal.
Result<Value> integer(std::string_view text, char type) {
    bool negative = !text.empty() && text.front() == '-';
    if (negative || (!text.empty() && text.front() == '+')) text.remove_prefix(1);
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text.remove_prefix(2);
    } else if (text.size() > 1 && text[0] == '0') {
        base = 8;
        text.remove_prefix(1);
    }
    uint64_t magnitude = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return Error::msg("not an integer");
    struct Range {
        int64_t min;
        uint64_t max;
    };
    static const std::map<char, Range> kRanges = {
        {'y', {0, 0xff}},          {'n', {INT16_MIN, INT16_MAX}}, {'q', {0, 0xffff}},
        {'i', {INT32_MIN, INT32_MAX}}, {'u', {0, UINT32_MAX}},  {'x', {INT64_MIN, INT64_MAX}},
        {'t', {0, UINT64_MAX}}};
    const Range& range = kRanges.at(type);
    // -2^63 is the one magnitude beyond INT64_MAX a negative value may have.
    uint64_t limit = negative ? uint64_t(0) - static_cast<uint64_t>(range.min) : range.max;
    if ((negative && range.min == 0 && magnitude != 0) || magnitude > limit) return Error::msg("out of range for its type");
    int64_t value = negative ? static_cast<int64_t>(uint64_t(0) - magnitude) : static_cast<int64_t>(magnitude);
    switch (type) {
        case 'y': return Value::byte(uint8_t(magnitude));
        case 'n': return Value::int16(int16_t(value));
        case 'q': return Value::uint16(uint16_t(magnitude));
        case 'i': return Value::int32(int32_t(value));
        case 'u': return Value::uint32(uint32_t(magnitude));
        case 'x': return Value::int64(value);
        default: return Value::uint64(magnitude);
    }
}

Result<Value> floating(const std::string& text) {
    double v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return Error::msg("not a number");
    return Value::double_(v);
}

// The value of `node` as type `type`.
Result<Value> build(const Node& node, const std::string& type) {
    if (!node.type.empty() && node.type != type)
        return Error::msg("a " + quoted(node.type) + " value where " + quoted(type) + " is expected");
    char t = type.front();
    switch (node.kind) {
        case Node::number:
            if (t == 'd') return floating(node.text);
            if (std::string_view("ynqiuxt").find(t) == std::string_view::npos || looks_floating(node.text))
                return Error::msg(quoted(node.text) + " is not a " + quoted(type));
            {
                auto v = integer(node.text, t);
                if (!v) return std::move(v).error().wrap(quoted(node.text));
                return v;
            }
        case Node::string:
            if (t == 's') return Value::string(node.text);
            if (t == 'o') return Value::object_path(node.text);
            if (t == 'g') return Value::signature(node.text);
            return Error::msg("a string is not a " + quoted(type));
        case Node::boolean:
            if (t != 'b') return Error::msg(quoted(node.text) + " is not a " + quoted(type));
            return Value::boolean(node.text == "true");
        case Node::array: {
            if (t != 'a') return Error::msg("an array is not a " + quoted(type));
            std::string item_type = type.substr(1);
            std::vector<Value> items;
            for (const auto& item : node.items) {
                BERTH_TRY_ASSIGN(Value v, build(item, item_type));
                items.push_back(std::move(v));
            }
            return Value::array(item_type, std::move(items));
        }
    }
    return Error::msg("unknown value");
}

// ---- annotations ----

Status check_name(std::string_view name) {
    if (name.size() < 3) return Error::msg("the property name " + quoted(name) + " is shorter than 3 letters");
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return Error::msg("the property name " + quoted(name) + " has a character other than ASCII letters");
    if (name == "Slice" || name == "PIDs")
        return Error::msg("the property " + std::string(name) + " is berth's to set (from linux.cgroupsPath, the container's processes)");
    return {};
}

// A number of seconds as uint64 microseconds (for "...Sec" names).
Result<Value> seconds_to_usec(const Value& v) {
    constexpr uint64_t kUsec = 1000000;
    switch (v.type()) {
        case dbus::Type::byte:
        case dbus::Type::uint16:
        case dbus::Type::uint32:
        case dbus::Type::uint64:
        case dbus::Type::int16:
        case dbus::Type::int32:
        case dbus::Type::int64: {
            bool is_signed = v.type() == dbus::Type::int16 || v.type() == dbus::Type::int32 || v.type() == dbus::Type::int64;
            if (is_signed && v.as_signed() < 0) return Error::msg("a negative number of seconds");
            if (v.number() > std::numeric_limits<uint64_t>::max() / kUsec) return Error::msg("too many seconds");
            return Value::uint64(v.number() * kUsec);
        }
        case dbus::Type::double_: {
            double usec = v.as_double() * kUsec;
            if (usec < 0 || usec >= 18446744073709551616.0) return Error::msg("seconds out of range");
            return Value::uint64(static_cast<uint64_t>(usec));
        }
        default: return Error::msg("seconds must be a number");
    }
}

Result<dbus::Property> annotation_property(std::string_view name, std::string_view text) {
    BERTH_TRY(check_name(name));
    BERTH_TRY_ASSIGN(Value value, parse_gvariant(text));
    // runc: "TimeoutStopSec" as systemd documents it is "TimeoutStopUSec" on D-Bus.
    constexpr std::string_view kSec = "Sec";
    if (name.size() > kSec.size() && name.substr(name.size() - kSec.size()) == kSec) {
        char before = name[name.size() - kSec.size() - 1];
        if (before >= 'a' && before <= 'z') {
            BERTH_TRY_ASSIGN(value, seconds_to_usec(value));
            return dbus::Property{std::string(name.substr(0, name.size() - kSec.size())) + "USec", std::move(value)};
        }
    }
    return dbus::Property{std::string(name), std::move(value)};
}

}  // namespace

Result<Value> parse_gvariant(std::string_view text) {
    BERTH_TRY_ASSIGN(auto tokens, tokenize(text));
    Parser parser(std::move(tokens));
    BERTH_TRY_ASSIGN(Node node, parser.value());
    if (!parser.at_end()) return Error::msg("unexpected text after the value");
    BERTH_TRY_ASSIGN(std::string type, infer(node));
    return build(node, type);
}

Result<std::vector<dbus::Property>> annotation_properties(const std::map<std::string, std::string>& annotations) {
    std::vector<dbus::Property> out;
    for (const auto& [key, text] : annotations) {
        if (key.rfind(kPropertyAnnotationPrefix, 0) != 0) continue;
        auto property = annotation_property(std::string_view(key).substr(kPropertyAnnotationPrefix.size()), text);
        if (!property) return std::move(property).error().wrap("config.json: annotations[" + quoted(key) + "] " + quoted(text));
        out.push_back(std::move(*property));
    }
    return out;
}

}  // namespace berth::cgroups::systemd
