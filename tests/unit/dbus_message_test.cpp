#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "berth/util/dbus.hpp"
#include "berth/util/file.hpp"

namespace {

using berth::dbus::Message;
using berth::dbus::MessageKind;
using berth::dbus::Value;
using Bytes = std::vector<uint8_t>;

Bytes data_file(const std::string& name) {
    auto text = berth::read_file(BERTH_TEST_DATA "/dbus/" + name);
    EXPECT_TRUE(text.ok()) << text.error().what();
    return text ? Bytes(text->begin(), text->end()) : Bytes{};
}

Bytes marshal_ok(const Message& m, uint32_t serial = 7) {
    auto bytes = berth::dbus::marshal(m, serial);
    EXPECT_TRUE(bytes.ok()) << bytes.error().what();
    return bytes ? *bytes : Bytes{};
}

Message unmarshal_ok(const Bytes& bytes) {
    auto m = berth::dbus::unmarshal(bytes);
    EXPECT_TRUE(m.ok()) << m.error().what();
    return m ? *m : Message{};
}

void expect_round_trip(Message m) {
    const Bytes bytes = marshal_ok(m, 7);
    m.serial = 7;
    m.signature = Message::signature_of(m.body);
    EXPECT_EQ(unmarshal_ok(bytes), m);
    auto size = berth::dbus::message_size(std::span<const uint8_t, 16>(bytes.data(), 16));
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, bytes.size());
}

Message call_with(std::vector<Value> args) {
    return Message::method_call("org.example.Dest", "/org/example", "org.example.Iface", "Do", std::move(args));
}

Value nested(int variants, Value inner) {
    for (int i = 0; i < variants; ++i) inner = Value::variant(std::move(inner));
    return inner;
}

TEST(DbusMessage, RoundTripsEveryBasicType) {
    expect_round_trip(call_with({
        Value::byte(0xfe), Value::boolean(true), Value::boolean(false), Value::int16(-2), Value::uint16(0xfffe),
        Value::int32(-70000), Value::uint32(0xfffffffe), Value::int64(-(1LL << 40)), Value::uint64(~0ULL),
        Value::double_(-2.5), Value::string("héllo"), Value::string(""), Value::object_path("/"),
        Value::object_path("/org/freedesktop/systemd1/unit/x_2escope"), Value::signature("a(sv)"),
        Value::signature(""),
    }));
}

TEST(DbusMessage, RoundTripsContainers) {
    const Value props = berth::dbus::properties_value({
        {"Description", Value::string("berth container x")},
        {"PIDs", Value::array("u", {Value::uint32(42)})},
        {"MemoryMax", Value::uint64(1 << 30)},
        {"CPUWeight", Value::variant(Value::uint64(100))},
        {"DeviceAllow", Value::array("(ss)", {Value::structure({Value::string("/dev/null"), Value::string("rwm")})})},
    });
    expect_round_trip(call_with({
        Value::string("x.scope"), Value::string("fail"), props,
        Value::array("(sa(sv))", {}),  // StartTransientUnit's aux: empty
        Value::array("a(sv)", {props, Value::array("(sv)", {})}),
        Value::array("{sv}", {Value::dict_entry(Value::string("k"), Value::variant(Value::bytes({1, 2, 3})))}),
        Value::structure({Value::byte(1), Value::structure({Value::uint64(2), Value::array("t", {})})}),
        nested(3, Value::array("(iv)", {Value::structure({Value::int32(1), Value::variant(Value::boolean(true))})})),
    }));
}

TEST(DbusMessage, EmptyArrayStillPadsToItsElementAlignment) {
    Message m = call_with({Value::array("t", {})});
    const Bytes bytes = marshal_ok(m);
    // Body: uint32 length 0, then padding to 8 for the (absent) uint64 elements.
    ASSERT_EQ(bytes.size() % 8, 0u);
    EXPECT_EQ(Bytes(bytes.end() - 8, bytes.end()), Bytes(8, 0));
    EXPECT_EQ(bytes[4], 8);  // body length
    // Without that padding the body ends early.
    Bytes short_body(bytes.begin(), bytes.end() - 4);
    short_body[4] = 4;
    auto r = berth::dbus::unmarshal(short_body);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().what().find("truncated"), std::string::npos) << r.error().what();
}

TEST(DbusMessage, ReplyAndErrorRoundTrip) {
    Message reply;
    reply.kind = MessageKind::method_return;
    reply.reply_serial = 3;
    reply.destination = ":1.7";
    reply.sender = "org.freedesktop.systemd1";
    reply.body = {Value::object_path("/org/freedesktop/systemd1/job/42")};
    expect_round_trip(reply);
    Message error;
    error.kind = MessageKind::error;
    error.reply_serial = 3;
    error.error_name = "org.freedesktop.systemd1.NoSuchUnit";
    error.body = {Value::string("Unit x.scope not loaded.")};
    expect_round_trip(error);
    expect_round_trip(Message::signal("/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "JobRemoved",
                                      {Value::uint32(42), Value::object_path("/org/freedesktop/systemd1/job/42"),
                                       Value::string("x.scope"), Value::string("done")}));
}

// The signal `dbus-send --type=signal /org/example/Obj org.example.Iface.Changed
// uint32:7 objpath:/org/x string:hi string:done` as dbus-daemon delivered it
// (captured with dbus-monitor --binary: tests/data/dbus/signal_uoss_dbus_send),
// read against the specification field by field.
const Bytes kSignal = {
    'l', 4, 1, 1,            // little-endian, signal, NO_REPLY_EXPECTED, version 1
    0x21, 0, 0, 0,           // body: 33 bytes
    2, 0, 0, 0,              // serial 2
    0x6d, 0, 0, 0,           // header fields: 109 bytes
    1, 1, 'o', 0,            // PATH, variant signature "o"
    16, 0, 0, 0, '/', 'o', 'r', 'g', '/', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '/', 'O', 'b', 'j', 0,
    0, 0, 0, 0, 0, 0, 0,     // pad to 8
    2, 1, 's', 0,            // INTERFACE
    17, 0, 0, 0, 'o', 'r', 'g', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'I', 'f', 'a', 'c', 'e', 0,
    0, 0, 0, 0, 0, 0,        // pad to 8
    3, 1, 's', 0,            // MEMBER
    7, 0, 0, 0, 'C', 'h', 'a', 'n', 'g', 'e', 'd', 0,
    8, 1, 'g', 0,            // SIGNATURE (already 8-aligned)
    4, 'u', 'o', 's', 's', 0,
    0, 0, 0, 0, 0, 0,        // pad to 8
    7, 1, 's', 0,            // SENDER
    4, 0, 0, 0, ':', '1', '.', '1', 0,  // header ends at 16 + 109 = 125
    0, 0, 0,                 // pad the body to 128
    7, 0, 0, 0,              // uint32 7
    6, 0, 0, 0, '/', 'o', 'r', 'g', '/', 'x', 0,
    0,                       // pad to 4
    2, 0, 0, 0, 'h', 'i', 0,
    0,                       // pad to 4
    4, 0, 0, 0, 'd', 'o', 'n', 'e', 0,
};

Message signal_sent_by_dbus_send() {
    Message m = Message::signal("/org/example/Obj", "org.example.Iface", "Changed",
                                {Value::uint32(7), Value::object_path("/org/x"), Value::string("hi"),
                                 Value::string("done")});
    m.sender = ":1.1";
    return m;
}

TEST(DbusMessage, MarshalsTheBytesDbusSendSent) {
    ASSERT_EQ(kSignal, data_file("signal_uoss_dbus_send"));
    EXPECT_EQ(marshal_ok(signal_sent_by_dbus_send(), 2), kSignal);
    Message expected = signal_sent_by_dbus_send();
    expected.serial = 2;
    EXPECT_EQ(unmarshal_ok(kSignal), expected);
}

TEST(DbusMessage, ReadsDbusDaemonReplies) {
    const Message id = unmarshal_ok(data_file("return_getid_dbus_daemon"));
    EXPECT_EQ(id.kind, MessageKind::method_return);
    EXPECT_EQ(id.reply_serial, 2u);
    EXPECT_EQ(id.destination, ":1.2");
    EXPECT_EQ(id.sender, "org.freedesktop.DBus");
    ASSERT_EQ(id.signature, "s");
    EXPECT_EQ(id.body[0].text().size(), 32u);

    const Message error = unmarshal_ok(data_file("error_unknown_method_dbus_daemon"));
    EXPECT_EQ(error.kind, MessageKind::error);
    EXPECT_EQ(error.error_name, "org.freedesktop.DBus.Error.UnknownMethod");
    EXPECT_EQ(error.reply_serial, 2u);
    ASSERT_EQ(error.signature, "s");
    EXPECT_EQ(error.body[0].text(), "org.freedesktop.DBus does not understand message NoSuch");

    const Message call = unmarshal_ok(data_file("call_getid_dbus_send"));
    EXPECT_EQ(call.kind, MessageKind::method_call);
    EXPECT_EQ(call.member, "GetId");
    EXPECT_EQ(call.destination, "org.freedesktop.DBus");
}

// A method return written by hand in big-endian order: reply to serial 5, body
// uint32 0x01020304 and int16 -2.
TEST(DbusMessage, ReadsBigEndian) {
    const Bytes big = {
        'B', 2, 0, 1, 0, 0, 0, 6, 0, 0, 0, 9, 0, 0, 0, 16,  // body 6 bytes, serial 9, fields 16
        5, 1, 'u', 0, 0, 0, 0, 5,                            // REPLY_SERIAL 5
        8, 1, 'g', 0, 2, 'u', 'n', 0,                        // SIGNATURE "un"; the body starts at 32
        1, 2, 3, 4, 0xff, 0xfe,
    };
    const Message m = unmarshal_ok(big);
    EXPECT_EQ(m.kind, MessageKind::method_return);
    EXPECT_EQ(m.serial, 9u);
    EXPECT_EQ(m.reply_serial, 5u);
    EXPECT_EQ(m.body, (std::vector<Value>{Value::uint32(0x01020304), Value::int16(-2)}));
}

// A message built byte by byte, for the malformed cases.
struct Raw {
    Bytes b;
    void pad(size_t a) {
        while (b.size() % a) b.push_back(0);
    }
    void u8(uint8_t v) { b.push_back(v); }
    void u32(uint32_t v) {
        pad(4);
        for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
    void str(std::string_view s) {
        u32(static_cast<uint32_t>(s.size()));
        b.insert(b.end(), s.begin(), s.end());
        b.push_back(0);
    }
    void sig(std::string_view s) {
        u8(static_cast<uint8_t>(s.size()));
        b.insert(b.end(), s.begin(), s.end());
        b.push_back(0);
    }
    void field(uint8_t code, char type, std::string_view value) {
        pad(8);
        u8(code);
        sig(std::string(1, type));
        if (type == 'g') sig(value);
        else str(value);
    }
};

// kind, serial 1; `fields` writes the header fields, `body` the body.
template <class Fields, class Body>
Bytes build(uint8_t kind, Fields fields, Body body) {
    Raw r;
    r.b = {'l', kind, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    fields(r);
    const uint32_t fields_size = static_cast<uint32_t>(r.b.size() - 16);
    r.pad(8);
    const size_t body_start = r.b.size();
    body(r);
    const uint32_t body_size = static_cast<uint32_t>(r.b.size() - body_start);
    for (int i = 0; i < 4; ++i) {
        r.b[4 + i] = static_cast<uint8_t>(body_size >> (8 * i));
        r.b[12 + i] = static_cast<uint8_t>(fields_size >> (8 * i));
    }
    return r.b;
}

// A signal with body signature `signature` and body bytes from `body`.
template <class Body>
Bytes signal_with(std::string_view signature, Body body) {
    return build(
        4,
        [&](Raw& r) {
            r.field(1, 'o', "/a");
            r.field(2, 's', "a.b");
            r.field(3, 's', "C");
            r.field(8, 'g', signature);
        },
        body);
}

void expect_rejected(const Bytes& bytes, const std::string& why) {
    auto m = berth::dbus::unmarshal(bytes);
    ASSERT_FALSE(m.ok()) << "accepted; expected: " << why;
    EXPECT_NE(m.error().what().find(why), std::string::npos) << m.error().what();
}

TEST(DbusMessage, TheBuilderMakesValidMessages) {
    // The rejection cases below differ from this in one point each.
    const Message m = unmarshal_ok(signal_with("us", [](Raw& r) {
        r.u32(1);
        r.str("x");
    }));
    EXPECT_EQ(m.body, (std::vector<Value>{Value::uint32(1), Value::string("x")}));
}

TEST(DbusMessage, RejectsBadFixedHeader) {
    Bytes m = kSignal;
    m[0] = 'X';
    expect_rejected(m, "unknown byte order");
    m = kSignal;
    m[3] = 2;
    expect_rejected(m, "protocol version 2");
    m = kSignal;
    m[1] = 5;
    expect_rejected(m, "unknown message type 5");
    m[1] = 0;
    expect_rejected(m, "unknown message type 0");
    m = kSignal;
    m[8] = 0;
    expect_rejected(m, "serial 0");
    expect_rejected(Bytes(kSignal.begin(), kSignal.begin() + 15), "shorter than its fixed header");
}

TEST(DbusMessage, RejectsLengthsThatDisagreeOrExceedTheLimits) {
    Bytes m = kSignal;
    m.push_back(0);
    expect_rejected(m, "162 bytes where the header announces 161");
    for (size_t cut = 16; cut < kSignal.size(); ++cut)
        EXPECT_FALSE(berth::dbus::unmarshal(Bytes(kSignal.begin(), kSignal.begin() + cut)).ok()) << cut;
    m = kSignal;
    m[7] = 0x08;  // body length + 128 MiB
    expect_rejected(m, "at most 128 MiB");
    m = kSignal;
    m[15] = 0x04;  // header fields 64 MiB + 109
    expect_rejected(m, "header fields of");
    expect_rejected(signal_with("ay", [](Raw& r) { r.u32((64u << 20) + 1); }), "at most 64 MiB");
    expect_rejected(signal_with("ay", [](Raw& r) { r.u32(5); }), "array runs past the end");
    expect_rejected(signal_with("aq", [](Raw& r) {
        r.u32(3);  // two uint16 take 4
        r.u32(0);
    }), "crosses the array's end");
    expect_rejected(signal_with("u", [](Raw& r) {
        r.u32(1);
        r.u32(2);
    }), "body longer than its signature says");
}

TEST(DbusMessage, RejectsNonZeroPadding) {
    Bytes m = kSignal;
    m[45] = 1;  // between PATH and INTERFACE
    expect_rejected(m, "non-zero padding at offset 45");
    m = kSignal;
    m[126] = 1;  // before the body
    expect_rejected(m, "non-zero padding at offset 126");
    m = kSignal;
    m[143] = 1;  // inside the body, after "/org/x"
    expect_rejected(m, "non-zero padding at offset 143");
    expect_rejected(signal_with("at", [](Raw& r) {
        r.u32(0);
        r.u32(0xff);  // where an empty uint64 array pads to 8
    }), "non-zero padding");
}

TEST(DbusMessage, RejectsInvalidSignatures) {
    for (std::string sig : {"a", "(", "()", "(u", "u)", "a{vs}", "{ss}", "a{s}", "a{sss}", "z", "a{uv}a"}) {
        expect_rejected(signal_with(sig, [](Raw&) {}), "invalid signature");
    }
    const std::string arrays32(32, 'a'), structs32(32, '(');
    EXPECT_TRUE(berth::dbus::valid_signature(arrays32 + "y"));
    EXPECT_FALSE(berth::dbus::valid_signature(arrays32 + "ay"));
    EXPECT_TRUE(berth::dbus::valid_signature(structs32 + "y" + std::string(32, ')')));
    EXPECT_FALSE(berth::dbus::valid_signature(structs32 + "(y" + std::string(33, ')')));
    EXPECT_FALSE(berth::dbus::valid_signature(std::string(256, 'y')));
    expect_rejected(signal_with(arrays32 + "ay", [](Raw&) {}), "invalid signature");
    // A variant holds exactly one complete type.
    expect_rejected(signal_with("v", [](Raw& r) {
        r.sig("uu");
        r.u32(1);
        r.u32(2);
    }), "variant of invalid type \"uu\"");
    expect_rejected(signal_with("v", [](Raw& r) { r.sig(""); }), "variant of invalid type \"\"");
}

TEST(DbusMessage, LimitsNestingAcrossVariants) {
    expect_round_trip(call_with({nested(64, Value::byte(1))}));
    EXPECT_FALSE(berth::dbus::marshal(call_with({nested(65, Value::byte(1))}), 1).ok());
    expect_rejected(signal_with("v", [](Raw& r) {
        for (int i = 0; i < 65; ++i) r.sig(i < 64 ? "v" : "y");  // 65 variants
        r.u8(1);
    }), "nested deeper than 64");
    // 32 structures in the signature count too: then 32 variants fit, not 33.
    const std::string structs = std::string(32, '(') + "v" + std::string(32, ')');
    const auto variants_in_structs = [&](int variants) {
        return signal_with(structs, [&](Raw& r) {
            for (int i = 0; i < variants; ++i) r.sig(i < variants - 1 ? "v" : "y");
            r.u8(1);
        });
    };
    unmarshal_ok(variants_in_structs(32));
    expect_rejected(variants_in_structs(33), "nested deeper than 64");
    // Each variant's signature has its own limit of 32 arrays.
    expect_rejected(signal_with("v", [](Raw& r) {
        r.sig(std::string(33, 'a') + "y");
        r.u32(0);
    }), "variant of invalid type");
}

TEST(DbusMessage, RejectsBadValues) {
    expect_rejected(signal_with("b", [](Raw& r) { r.u32(2); }), "boolean 2 is neither 0 nor 1");
    expect_rejected(signal_with("s", [](Raw& r) {
        r.u32(2);
        r.u8('a'), r.u8('b'), r.u8('c');
    }), "string without terminating NUL");
    expect_rejected(signal_with("s", [](Raw& r) { r.str(std::string("a\0b", 3)); }), "interior NUL");
    expect_rejected(signal_with("s", [](Raw& r) { r.str("\xc3\x28"); }), "not valid UTF-8");
    expect_rejected(signal_with("s", [](Raw& r) { r.str("\xc0\xaf"); }), "not valid UTF-8");  // overlong '/'
    expect_rejected(signal_with("s", [](Raw& r) { r.str("\xed\xa0\x80"); }), "not valid UTF-8");  // surrogate
    expect_rejected(signal_with("s", [](Raw& r) { r.u32(0xffffffff); }), "string runs past the end");
    for (const char* path : {"", "a", "/a/", "/a//b", "/a-b", "/é"})
        expect_rejected(signal_with("o", [&](Raw& r) { r.str(path); }), "invalid object path");
    expect_rejected(signal_with("g", [](Raw& r) { r.sig("(("); }), "invalid signature");
    expect_rejected(signal_with("h", [](Raw& r) { r.u32(0); }), "file descriptors were not negotiated");
}

TEST(DbusMessage, RejectsBadHeaderFields) {
    const auto with_fields = [](uint8_t kind, auto fields) { return build(kind, fields, [](Raw&) {}); };
    expect_rejected(with_fields(1, [](Raw& r) { r.field(1, 'o', "/a"); }), "method call without path or member");
    expect_rejected(with_fields(1, [](Raw& r) { r.field(3, 's', "M"); }), "method call without path or member");
    expect_rejected(with_fields(4, [](Raw& r) {
        r.field(1, 'o', "/a");
        r.field(3, 's', "M");
    }), "signal without path, interface or member");
    expect_rejected(with_fields(2, [](Raw&) {}), "reply without reply serial");
    expect_rejected(with_fields(3, [](Raw& r) {
        r.pad(8), r.u8(5), r.sig("u"), r.u32(1);
    }), "error without error name");
    expect_rejected(with_fields(2, [](Raw& r) { r.pad(8), r.u8(5), r.sig("u"), r.u32(0); }), "invalid reply serial");
    expect_rejected(with_fields(1, [](Raw& r) {
        r.field(1, 's', "/a");
        r.field(3, 's', "M");
    }), "header field 1 has the wrong type");
    expect_rejected(with_fields(1, [](Raw& r) {
        r.field(1, 'o', "/a");
        r.field(3, 's', "M");
        r.field(3, 's', "N");
    }), "header field 3 appears twice");
    expect_rejected(with_fields(1, [](Raw& r) {
        r.field(1, 'o', "/a");
        r.field(3, 's', "M");
        r.pad(8), r.u8(9), r.sig("u"), r.u32(1);
    }), "not negotiated");
    const auto call_field = [&](uint8_t code, std::string_view value) {
        return with_fields(1, [&](Raw& r) {
            r.field(1, 'o', "/a");
            r.field(3, 's', code == 3 ? value : "M");
            if (code != 3) r.field(code, 's', value);
        });
    };
    expect_rejected(call_field(2, "nodots"), "invalid interface name \"nodots\"");
    expect_rejected(call_field(2, "a..b"), "invalid interface name");
    expect_rejected(call_field(2, "a.1b"), "invalid interface name");
    expect_rejected(call_field(3, "a.b"), "invalid member name");
    expect_rejected(call_field(3, "9x"), "invalid member name");
    expect_rejected(call_field(6, "org"), "invalid destination");
    expect_rejected(call_field(6, ":1"), "invalid destination");
    expect_rejected(call_field(7, "a.b c"), "invalid sender");
    // Unknown fields are ignored; names may use '-' in bus names and digits in unique names.
    const Message ok = unmarshal_ok(with_fields(1, [](Raw& r) {
        r.field(1, 'o', "/a");
        r.field(3, 's', "M");
        r.field(6, 's', "org.my-app.x");
        r.field(7, 's', ":1.42");
        r.field(200, 's', "whatever");
    }));
    EXPECT_EQ(ok.destination, "org.my-app.x");
    EXPECT_EQ(ok.sender, ":1.42");
    // A field may not run into the body.
    Bytes m = kSignal;
    m[12] = 0x6c;  // header fields one byte shorter: the sender's NUL is outside
    expect_rejected(m, "string runs past the end");
}

TEST(DbusMessage, MarshalRefusesWhatUnmarshalWould) {
    const auto refused = [](const Message& m, uint32_t serial, const std::string& why) {
        auto r = berth::dbus::marshal(m, serial);
        ASSERT_FALSE(r.ok()) << why;
        EXPECT_NE(r.error().what().find(why), std::string::npos) << r.error().what();
    };
    refused(call_with({}), 0, "serial 0");
    refused(call_with({Value::array("s", {Value::uint32(1)})}), 1, "value of type \"u\" where \"s\" belongs");
    refused(call_with({Value::array("(sv)", {Value::structure({Value::string("x")})})}), 1, "does not match");
    refused(call_with({Value::object_path("relative")}), 1, "invalid object path");
    refused(call_with({Value::string(std::string("a\0b", 3))}), 1, "NUL");
    refused(call_with({Value::signature("a")}), 1, "invalid signature");
    refused(call_with({Value::array("a", {})}), 1, "invalid body signature");
    refused(call_with({Value::array("{sv}", {}), Value::dict_entry(Value::string("k"), Value::byte(1))}), 1,
            "invalid body signature");
    Message m = call_with({Value::uint32(1)});
    m.signature = "s";
    refused(m, 1, "does not match the body's \"u\"");
    refused(Message::method_call("org.x", "/a", "org.x", "bad member"), 1, "invalid member name");
    refused(Message::signal("/a", "", "M"), 1, "signal without path, interface or member");
}

TEST(DbusMessage, NameSyntax) {
    EXPECT_TRUE(berth::dbus::valid_object_path("/"));
    EXPECT_TRUE(berth::dbus::valid_object_path("/org/freedesktop/systemd1/unit/_2d_2eslice"));
    EXPECT_FALSE(berth::dbus::valid_object_path("//"));
    EXPECT_TRUE(berth::dbus::valid_interface_name("org.freedesktop.systemd1.Manager"));
    EXPECT_FALSE(berth::dbus::valid_interface_name("org.freedesktop.systemd1.Man-ager"));
    EXPECT_FALSE(berth::dbus::valid_interface_name("org." + std::string(252, 'x')));
    EXPECT_TRUE(berth::dbus::valid_member_name("StartTransientUnit"));
    EXPECT_FALSE(berth::dbus::valid_member_name(""));
    EXPECT_TRUE(berth::dbus::valid_bus_name(":1.0"));
    EXPECT_TRUE(berth::dbus::valid_bus_name("org.freedesktop.systemd1"));
    EXPECT_FALSE(berth::dbus::valid_bus_name("1org.x"));
    EXPECT_FALSE(berth::dbus::valid_bus_name(":.1"));
}

TEST(DbusMessage, ErrorNamesAreRecognisedOnlyAsTheWholeFirstWord) {
    const auto e = berth::Error::msg("org.freedesktop.systemd1.UnitExists: Unit x.scope already exists.");
    EXPECT_TRUE(berth::dbus::is_error_name(e, "org.freedesktop.systemd1.UnitExists"));
    EXPECT_FALSE(berth::dbus::is_error_name(e, "org.freedesktop.systemd1.Unit"));
    EXPECT_FALSE(berth::dbus::is_error_name(e, "org.freedesktop.systemd1.NoSuchUnit"));
    EXPECT_TRUE(berth::dbus::is_error_name(berth::Error::msg("org.x.Failed"), "org.x.Failed"));
    EXPECT_FALSE(berth::dbus::is_error_name(berth::Error::sys(2, "org.x.Failed"), "org.x.Failed"));
}

}  // namespace
