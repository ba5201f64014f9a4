// The D-Bus wire format: marshal (little-endian) and a strict unmarshal (both
// byte orders). Alignment is relative to the message start; the body starts
// 8-aligned, so one cursor over the whole message aligns header and body alike.
#include <cstring>

#include "berth/util/dbus.hpp"

namespace berth::dbus {
namespace {

constexpr size_t npos = std::string_view::npos;

// Header field codes.
enum Field : uint8_t {
    kPath = 1,
    kInterface = 2,
    kMember = 3,
    kErrorName = 4,
    kReplySerial = 5,
    kDestination = 6,
    kSender = 7,
    kSignature = 8,
    kUnixFds = 9,
};

bool is_basic(char c) { return std::string_view("ybnqiuxtdsogh").find(c) != npos; }

size_t alignment(char type) {
    switch (type) {
        case 'y': case 'g': case 'v': return 1;
        case 'n': case 'q': return 2;
        case 'x': case 't': case 'd': case '(': case '{': return 8;
        default: return 4;  // b i u s o h a
    }
}

size_t fixed_size(char type) {
    switch (type) {
        case 'y': return 1;
        case 'n': case 'q': return 2;
        case 'x': case 't': case 'd': return 8;
        default: return 4;  // b i u h
    }
}

size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

// The end of the single complete type that starts at sig[pos], or npos when
// none does; `arrays` and `structs` enclose it already.
size_t complete_type_end(std::string_view sig, size_t pos, int arrays, int structs) {
    if (pos >= sig.size()) return npos;
    const char c = sig[pos];
    if (is_basic(c) || c == 'v') return pos + 1;
    if (c == 'a') {
        if (arrays == kMaxArrayDepth) return npos;
        if (pos + 1 < sig.size() && sig[pos + 1] == '{') {
            // A dict entry: only as an array's element, a basic key, one value.
            if (structs == kMaxStructDepth || pos + 2 >= sig.size() || !is_basic(sig[pos + 2])) return npos;
            const size_t end = complete_type_end(sig, pos + 3, arrays + 1, structs + 1);
            return end < sig.size() && sig[end] == '}' ? end + 1 : npos;
        }
        return complete_type_end(sig, pos + 1, arrays + 1, structs);
    }
    if (c == '(') {
        if (structs == kMaxStructDepth || pos + 1 >= sig.size() || sig[pos + 1] == ')') return npos;
        size_t p = pos + 1;
        while (p < sig.size() && sig[p] != ')') {
            p = complete_type_end(sig, p, arrays, structs + 1);
            if (p == npos) return npos;
        }
        return p < sig.size() ? p + 1 : npos;
    }
    return npos;
}

// The complete types of a valid signature, one after the other.
std::vector<std::string_view> split_signature(std::string_view sig) {
    std::vector<std::string_view> types;
    for (size_t pos = 0; pos < sig.size();) {
        const size_t end = complete_type_end(sig, pos, 0, 0);
        types.push_back(sig.substr(pos, end - pos));
        pos = end;
    }
    return types;
}

bool single_complete_type(std::string_view sig) {
    return sig.size() <= kMaxSignatureLength && complete_type_end(sig, 0, 0, 0) == sig.size();
}

bool valid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        const unsigned char c = *p++;
        if (c < 0x80) continue;
        int more = 0;
        uint32_t cp = 0;
        if ((c & 0xe0) == 0xc0) more = 1, cp = c & 0x1f;
        else if ((c & 0xf0) == 0xe0) more = 2, cp = c & 0x0f;
        else if ((c & 0xf8) == 0xf0) more = 3, cp = c & 0x07;
        else return false;
        if (end - p < more) return false;
        for (int i = 0; i < more; ++i, ++p) {
            if ((*p & 0xc0) != 0x80) return false;
            cp = cp << 6 | (*p & 0x3f);
        }
        constexpr uint32_t kMinOf[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMinOf[more] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    }
    return true;
}

bool name_char(char c, bool hyphen) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           (hyphen && c == '-');
}

// The number of '.'-separated elements of name characters, 0 when one is
// empty or starts wrongly, or the name is longer than 255.
size_t dotted_elements(std::string_view name, bool hyphen, bool leading_digit) {
    if (name.empty() || name.size() > 255) return 0;
    size_t elements = 0;
    for (size_t start = 0;;) {
        const size_t dot = name.find('.', start);
        const std::string_view element = name.substr(start, dot == npos ? npos : dot - start);
        if (element.empty() || (!leading_digit && element[0] >= '0' && element[0] <= '9')) return 0;
        for (char c : element)
            if (!name_char(c, hyphen)) return 0;
        ++elements;
        if (dot == npos) return elements;
        start = dot + 1;
    }
}

Error bad(const std::string& what) { return Error::msg("D-Bus message: " + what); }

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// The syntax of every header field present, and the fields each type needs.
Status check_header(const Message& m) {
    if (!m.path.empty() && !valid_object_path(m.path)) return bad("invalid object path " + quoted(m.path));
    if (!m.interface.empty() && !valid_interface_name(m.interface))
        return bad("invalid interface name " + quoted(m.interface));
    if (!m.member.empty() && !valid_member_name(m.member)) return bad("invalid member name " + quoted(m.member));
    if (!m.error_name.empty() && !valid_interface_name(m.error_name))
        return bad("invalid error name " + quoted(m.error_name));
    if (!m.destination.empty() && !valid_bus_name(m.destination))
        return bad("invalid destination " + quoted(m.destination));
    if (!m.sender.empty() && !valid_bus_name(m.sender)) return bad("invalid sender " + quoted(m.sender));
    switch (m.kind) {
        case MessageKind::method_call:
            if (m.path.empty() || m.member.empty()) return bad("method call without path or member");
            break;
        case MessageKind::signal:
            if (m.path.empty() || m.interface.empty() || m.member.empty())
                return bad("signal without path, interface or member");
            break;
        case MessageKind::error:
            if (m.error_name.empty()) return bad("error without error name");
            [[fallthrough]];
        case MessageKind::method_return:
            if (m.reply_serial == 0) return bad("reply without reply serial");
            break;
    }
    return {};
}

// Entering a container inside `depth` others.
Status enter(int depth) {
    if (depth >= kMaxTotalDepth) return bad("containers nested deeper than 64");
    return {};
}

class Writer {
public:
    std::vector<uint8_t> out;

    void pad(size_t a) { out.resize(round_up(out.size(), a), 0); }
    void put(uint64_t v, size_t size) {
        pad(size);
        for (size_t i = 0; i < size; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
    void patch32(size_t at, uint32_t v) {
        for (size_t i = 0; i < 4; ++i) out[at + i] = static_cast<uint8_t>(v >> (8 * i));
    }
    // s and o: uint32 length; g: byte length. Then the text and a NUL.
    void text(std::string_view s, bool short_length) {
        if (short_length) put(s.size(), 1);
        else put(s.size(), 4);
        out.insert(out.end(), s.begin(), s.end());
        out.push_back(0);
    }

    // `v` as the single complete type `sig`, inside `depth` containers.
    Status value(const Value& v, std::string_view sig, int depth) {
        if (static_cast<char>(v.type()) != sig[0])
            return bad("value of type " + quoted(v.signature()) + " where " + quoted(sig) + " belongs");
        switch (v.type()) {
            case Type::string:
            case Type::object_path:
            case Type::signature: return string_like(v);
            case Type::unix_fd: return bad("file descriptors are not supported");
            case Type::array: return array(v, sig, depth);
            case Type::structure:
            case Type::dict_entry: return fields(v, sig, depth);
            case Type::variant: return variant(v, depth);
            default: put(v.number(), fixed_size(sig[0])); return {};
        }
    }

private:
    Status string_like(const Value& v) {
        const std::string& s = v.text();
        if (s.find('\0') != npos || !valid_utf8(s)) return bad("string with NUL or invalid UTF-8");
        if (v.type() == Type::object_path && !valid_object_path(s)) return bad("invalid object path " + quoted(s));
        if (v.type() == Type::signature && !valid_signature(s)) return bad("invalid signature " + quoted(s));
        text(s, v.type() == Type::signature);
        return {};
    }

    Status array(const Value& v, std::string_view sig, int depth) {
        BERTH_TRY(enter(depth));
        const std::string_view element = sig.substr(1);
        if (v.element_signature() != element)
            return bad("array of " + quoted(v.element_signature()) + " where " + quoted(sig) + " belongs");
        put(0, 4);
        const size_t length_at = out.size() - 4;
        pad(alignment(element[0]));  // even when empty
        const size_t start = out.size();
        for (const Value& item : v.children()) BERTH_TRY(value(item, element, depth + 1));
        if (out.size() - start > kMaxArraySize) return bad("array longer than 64 MiB");
        patch32(length_at, static_cast<uint32_t>(out.size() - start));
        return {};
    }

    // Structures and dict entries: one value per complete type between the brackets.
    Status fields(const Value& v, std::string_view sig, int depth) {
        BERTH_TRY(enter(depth));
        pad(8);
        const auto types = split_signature(sig.substr(1, sig.size() - 2));
        if (types.size() != v.children().size()) return bad("structure does not match " + quoted(sig));
        for (size_t i = 0; i < types.size(); ++i) BERTH_TRY(value(v.children()[i], types[i], depth + 1));
        return {};
    }

    Status variant(const Value& v, int depth) {
        BERTH_TRY(enter(depth));
        const Value& inner = v.children()[0];
        const std::string sig = inner.signature();
        if (!single_complete_type(sig)) return bad("variant of invalid type " + quoted(sig));
        text(sig, true);
        return value(inner, sig, depth + 1);
    }
};

class Reader {
public:
    Reader(std::span<const uint8_t> data, bool big_endian) : data_(data), big_endian_(big_endian) {}

    size_t pos = 0;
    size_t end = 0;  // reading stops here

    Status pad(size_t a) {
        const size_t to = round_up(pos, a);
        if (to > end) return bad("truncated");
        for (; pos < to; ++pos)
            if (data_[pos] != 0) return bad("non-zero padding at offset " + std::to_string(pos));
        return {};
    }

    Result<uint64_t> get(size_t size) {
        BERTH_TRY(pad(size));
        if (end - pos < size) return bad("truncated");
        uint64_t v = 0;
        for (size_t i = 0; i < size; ++i) {
            const uint64_t byte = data_[pos + i];
            v |= byte << (8 * (big_endian_ ? size - 1 - i : i));
        }
        pos += size;
        return v;
    }

    // A value of the single complete type `sig`, inside `depth` containers.
    Result<Value> value(std::string_view sig, int depth) {
        switch (sig[0]) {
            case 'y': return number(1, [](uint64_t v) { return Value::byte(static_cast<uint8_t>(v)); });
            case 'n': return number(2, [](uint64_t v) { return Value::int16(static_cast<int16_t>(v)); });
            case 'q': return number(2, [](uint64_t v) { return Value::uint16(static_cast<uint16_t>(v)); });
            case 'i': return number(4, [](uint64_t v) { return Value::int32(static_cast<int32_t>(v)); });
            case 'u': return number(4, [](uint64_t v) { return Value::uint32(static_cast<uint32_t>(v)); });
            case 'x': return number(8, [](uint64_t v) { return Value::int64(static_cast<int64_t>(v)); });
            case 't': return number(8, [](uint64_t v) { return Value::uint64(v); });
            case 'd': return number(8, [](uint64_t v) {
                double d = 0;
                std::memcpy(&d, &v, sizeof d);
                return Value::double_(d);
            });
            case 'b': {
                BERTH_TRY_ASSIGN(const uint64_t v, get(4));
                if (v > 1) return bad("boolean " + std::to_string(v) + " is neither 0 nor 1");
                return Value::boolean(v == 1);
            }
            case 's': {
                BERTH_TRY_ASSIGN(std::string s, text(4));
                return Value::string(std::move(s));
            }
            case 'o': {
                BERTH_TRY_ASSIGN(std::string s, text(4));
                if (!valid_object_path(s)) return bad("invalid object path " + quoted(s));
                return Value::object_path(std::move(s));
            }
            case 'g': {
                BERTH_TRY_ASSIGN(std::string s, text(1));
                if (!valid_signature(s)) return bad("invalid signature " + quoted(s));
                return Value::signature(std::move(s));
            }
            case 'h': return bad("file descriptors were not negotiated");
            case 'a': return array(sig, depth);
            case 'v': return variant(depth);
            default: return fields(sig, depth);  // ( or {
        }
    }

private:
    template <class Make>
    Result<Value> number(size_t size, Make make) {
        BERTH_TRY_ASSIGN(const uint64_t v, get(size));
        return make(v);
    }

    Result<std::string> text(size_t length_size) {
        BERTH_TRY_ASSIGN(const uint64_t length, get(length_size));
        if (length >= end - pos) return bad("string runs past the end");
        const char* p = reinterpret_cast<const char*>(data_.data() + pos);
        if (p[length] != 0) return bad("string without terminating NUL");
        std::string_view s(p, length);
        if (s.find('\0') != npos) return bad("string with an interior NUL");
        if (!valid_utf8(s)) return bad("string is not valid UTF-8");
        pos += length + 1;
        return std::string(s);
    }

    Result<Value> array(std::string_view sig, int depth) {
        BERTH_TRY(enter(depth));
        BERTH_TRY_ASSIGN(const uint64_t length, get(4));
        if (length > kMaxArraySize) return bad("array of " + std::to_string(length) + " bytes (at most 64 MiB)");
        const std::string_view element = sig.substr(1);
        BERTH_TRY(pad(alignment(element[0])));  // even when empty
        if (length > end - pos) return bad("array runs past the end");
        const size_t array_end = pos + length;
        std::vector<Value> items;  // grows with what is read, never from `length`
        while (pos < array_end) {
            BERTH_TRY_ASSIGN(Value item, value(element, depth + 1));
            items.push_back(std::move(item));
        }
        if (pos != array_end) return bad("array element crosses the array's end");
        return Value::array(std::string(element), std::move(items));
    }

    Result<Value> fields(std::string_view sig, int depth) {
        BERTH_TRY(enter(depth));
        BERTH_TRY(pad(8));
        std::vector<Value> values;
        for (std::string_view type : split_signature(sig.substr(1, sig.size() - 2))) {
            BERTH_TRY_ASSIGN(Value v, value(type, depth + 1));
            values.push_back(std::move(v));
        }
        if (sig[0] == '{') return Value::dict_entry(std::move(values[0]), std::move(values[1]));
        return Value::structure(std::move(values));
    }

    Result<Value> variant(int depth) {
        BERTH_TRY(enter(depth));
        BERTH_TRY_ASSIGN(const std::string sig, text(1));
        if (sig.empty() || !single_complete_type(sig)) return bad("variant of invalid type " + quoted(sig));
        BERTH_TRY_ASSIGN(Value inner, value(sig, depth + 1));
        return Value::variant(std::move(inner));
    }

    std::span<const uint8_t> data_;
    bool big_endian_;
};

uint32_t read32(std::span<const uint8_t> b, size_t at, bool big_endian) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v |= static_cast<uint32_t>(b[at + i]) << (8 * (big_endian ? 3 - i : i));
    return v;
}

// One header field into the message, checking its type and that it is new.
Status take_field(Message& m, uint8_t code, const Value& v, uint32_t& seen) {
    if (code >= kPath && code <= kUnixFds) {
        if (seen & (1u << code)) return bad("header field " + std::to_string(code) + " appears twice");
        seen |= 1u << code;
    }
    const auto want = [&](Type type, std::string& into) -> Status {
        if (v.type() != type) return bad("header field " + std::to_string(code) + " has the wrong type");
        into = v.text();
        return {};
    };
    switch (code) {
        case kPath: return want(Type::object_path, m.path);
        case kInterface: return want(Type::string, m.interface);
        case kMember: return want(Type::string, m.member);
        case kErrorName: return want(Type::string, m.error_name);
        case kDestination: return want(Type::string, m.destination);
        case kSender: return want(Type::string, m.sender);
        case kSignature: return want(Type::signature, m.signature);
        case kReplySerial:
            if (v.type() != Type::uint32 || v.number() == 0) return bad("invalid reply serial");
            m.reply_serial = static_cast<uint32_t>(v.number());
            return {};
        case kUnixFds:
            if (v.type() != Type::uint32) return bad("header field 9 has the wrong type");
            if (v.number() != 0) return bad("carries file descriptors, which were not negotiated");
            return {};
        default: return {};  // unknown fields are ignored, as the specification asks
    }
}

void put_field(Writer& w, uint8_t code, char type, const std::string& s) {
    if (s.empty()) return;
    w.pad(8);
    w.put(code, 1);
    w.text(std::string_view(&type, 1), true);
    w.text(s, type == 'g');
}

}  // namespace

Message Message::method_call(std::string destination, std::string path, std::string interface, std::string member,
                             std::vector<Value> args) {
    Message m;
    m.kind = MessageKind::method_call;
    m.destination = std::move(destination);
    m.path = std::move(path);
    m.interface = std::move(interface);
    m.member = std::move(member);
    m.signature = signature_of(args);
    m.body = std::move(args);
    return m;
}

Message Message::signal(std::string path, std::string interface, std::string member, std::vector<Value> args) {
    // A call to nobody in particular, of another kind: nobody replies to signals.
    Message m = method_call("", std::move(path), std::move(interface), std::move(member), std::move(args));
    m.kind = MessageKind::signal;
    m.flags = kNoReplyExpected;
    return m;
}

std::string Message::signature_of(const std::vector<Value>& values) {
    std::string sig;
    for (const Value& v : values) sig += v.signature();
    return sig;
}

bool valid_signature(std::string_view sig) {
    if (sig.size() > kMaxSignatureLength) return false;
    for (size_t pos = 0; pos < sig.size();) {
        pos = complete_type_end(sig, pos, 0, 0);
        if (pos == npos) return false;
    }
    return true;
}

bool valid_object_path(std::string_view path) {
    if (path.empty() || path[0] != '/') return false;
    if (path.size() == 1) return true;
    if (path.back() == '/') return false;
    for (size_t i = 1; i < path.size(); ++i) {
        if (path[i] == '/' ? path[i - 1] == '/' : !name_char(path[i], false)) return false;
    }
    return true;
}

bool valid_interface_name(std::string_view name) { return dotted_elements(name, false, false) >= 2; }

bool valid_member_name(std::string_view name) { return dotted_elements(name, false, false) == 1; }

bool valid_bus_name(std::string_view name) {
    // Unique names (":1.42") may start elements with digits; the ':' counts towards 255.
    if (!name.empty() && name[0] == ':') return name.size() <= 255 && dotted_elements(name.substr(1), true, true) >= 2;
    return dotted_elements(name, true, false) >= 2;
}

Result<std::vector<uint8_t>> marshal(const Message& m, uint32_t serial) {
    if (serial == 0) return bad("serial 0");
    const std::string sig = Message::signature_of(m.body);
    if (!m.signature.empty() && m.signature != sig)
        return bad("signature " + quoted(m.signature) + " does not match the body's " + quoted(sig));
    if (!valid_signature(sig)) return bad("invalid body signature " + quoted(sig));
    BERTH_TRY(check_header(m));

    Writer w;
    w.put('l', 1);
    w.put(static_cast<uint8_t>(m.kind), 1);
    w.put(m.flags, 1);
    w.put(1, 1);  // protocol version
    w.put(0, 4);  // body length, patched below
    w.put(serial, 4);
    w.put(0, 4);  // header fields length, patched below
    put_field(w, kPath, 'o', m.path);
    put_field(w, kInterface, 's', m.interface);
    put_field(w, kMember, 's', m.member);
    put_field(w, kErrorName, 's', m.error_name);
    if (m.reply_serial != 0) {
        w.pad(8);
        w.put(kReplySerial, 1);
        w.text("u", true);
        w.put(m.reply_serial, 4);
    }
    put_field(w, kDestination, 's', m.destination);
    put_field(w, kSignature, 'g', sig);
    put_field(w, kSender, 's', m.sender);
    w.patch32(12, static_cast<uint32_t>(w.out.size() - kFixedHeaderSize));
    w.pad(8);
    const size_t body_start = w.out.size();
    const auto types = split_signature(sig);
    for (size_t i = 0; i < types.size(); ++i) BERTH_TRY(w.value(m.body[i], types[i], 0));
    if (w.out.size() > kMaxMessageSize) return bad("message larger than 128 MiB");
    w.patch32(4, static_cast<uint32_t>(w.out.size() - body_start));
    return std::move(w.out);
}

Result<size_t> message_size(std::span<const uint8_t, kFixedHeaderSize> h) {
    if (h[0] != 'l' && h[0] != 'B') return bad("unknown byte order " + std::to_string(h[0]));
    if (h[3] != 1) return bad("protocol version " + std::to_string(h[3]) + " (only 1 is known)");
    const bool big = h[0] == 'B';
    const uint64_t fields = read32(h, 12, big);
    if (fields > kMaxArraySize) return bad("header fields of " + std::to_string(fields) + " bytes");
    const uint64_t total = round_up(kFixedHeaderSize + fields, 8) + read32(h, 4, big);
    if (total > kMaxMessageSize) return bad("message of " + std::to_string(total) + " bytes (at most 128 MiB)");
    return static_cast<size_t>(total);
}

Result<Message> unmarshal(std::span<const uint8_t> bytes) {
    if (bytes.size() < kFixedHeaderSize) return bad("shorter than its fixed header");
    BERTH_TRY_ASSIGN(const size_t size, message_size(bytes.first<kFixedHeaderSize>()));
    if (size != bytes.size())
        return bad(std::to_string(bytes.size()) + " bytes where the header announces " + std::to_string(size));
    const bool big = bytes[0] == 'B';
    Message m;
    if (bytes[1] < 1 || bytes[1] > 4) return bad("unknown message type " + std::to_string(bytes[1]));
    m.kind = static_cast<MessageKind>(bytes[1]);
    m.flags = bytes[2];
    m.serial = read32(bytes, 8, big);
    if (m.serial == 0) return bad("serial 0");

    Reader r(bytes, big);
    r.pos = kFixedHeaderSize;
    r.end = kFixedHeaderSize + read32(bytes, 12, big);
    uint32_t seen = 0;
    while (r.pos < r.end) {
        BERTH_TRY(r.pad(8));
        BERTH_TRY_ASSIGN(const Value code, r.value("y", 2));
        // Inside the header's a(yv): two containers deep.
        BERTH_TRY_ASSIGN(const Value field, r.value("v", 2));
        BERTH_TRY(take_field(m, static_cast<uint8_t>(code.number()), field.children()[0], seen));
    }
    if (r.pos != r.end) return bad("header field crosses the header's end");
    r.end = bytes.size();
    BERTH_TRY(r.pad(8));
    for (std::string_view type : split_signature(m.signature)) {
        BERTH_TRY_ASSIGN(Value v, r.value(type, 0));
        m.body.push_back(std::move(v));
    }
    if (r.pos != r.end) return bad("body longer than its signature says");
    BERTH_TRY(check_header(m));
    return m;
}

}  // namespace berth::dbus
