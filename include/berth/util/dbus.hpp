// A minimal D-Bus client: the wire format (marshal/unmarshal) and one
// connection over a unix socket, enough for berth's systemd cgroup driver
// (StartTransientUnit, SetUnitProperties, StopUnit, Properties.Get, JobRemoved).
// Our own instead of libdbus: berth links -static without NSS under a size
// budget, and needs a fraction of the protocol.
//
//   BERTH_TRY_ASSIGN(auto bus, dbus::Connection::system(kTimeoutMs));
//   BERTH_TRY_ASSIGN(auto reply, bus.call(dbus::Message::method_call(
//       "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
//       "org.freedesktop.systemd1.Manager", "StopUnit",
//       {dbus::Value::string("x.scope"), dbus::Value::string("replace")}), kTimeoutMs));
//
// unmarshal() is strict and total: it parses what arrives from a bus, so every
// rule of the specification that keeps a parser safe is checked (lengths,
// padding, signatures and their nesting, strings, object paths, names, the
// header fields each message type needs), and nothing is allocated ahead of
// the bytes that back it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "berth/util/dbus_value.hpp"
#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"

namespace berth::dbus {

// Limits of the specification.
inline constexpr size_t kMaxMessageSize = 128u << 20;
inline constexpr size_t kMaxArraySize = 64u << 20;
inline constexpr size_t kMaxSignatureLength = 255;
inline constexpr int kMaxArrayDepth = 32;   // per signature
inline constexpr int kMaxStructDepth = 32;  // per signature, dict entries included
inline constexpr int kMaxTotalDepth = 64;   // containers around a value, across variants
// The fixed part of every header; it tells the size of the whole message.
inline constexpr size_t kFixedHeaderSize = 16;

enum class MessageKind : uint8_t { method_call = 1, method_return = 2, error = 3, signal = 4 };

// Header flags.
inline constexpr uint8_t kNoReplyExpected = 0x1;
inline constexpr uint8_t kNoAutoStart = 0x2;

struct Message {
    MessageKind kind = MessageKind::method_call;
    uint8_t flags = 0;
    uint32_t serial = 0;        // set by unmarshal; marshal takes its own
    uint32_t reply_serial = 0;  // method_return and error: the call's serial
    std::string path;
    std::string interface;
    std::string member;
    std::string error_name;
    std::string destination;
    std::string sender;
    // The body's signature. unmarshal sets it; marshal writes the one the body
    // has and refuses a non-empty one that differs.
    std::string signature;
    std::vector<Value> body;

    bool operator==(const Message& other) const = default;

    static Message method_call(std::string destination, std::string path, std::string interface, std::string member,
                               std::vector<Value> args = {});
    static Message signal(std::string path, std::string interface, std::string member, std::vector<Value> args = {});
    // The signature of these values, concatenated.
    static std::string signature_of(const std::vector<Value>& values);
};

// The message in little-endian wire format with `serial` (non-zero). Refuses a
// message the specification forbids (missing or malformed header fields, a
// value that does not match its own array's element type, too deep, too big),
// so whatever it returns, unmarshal accepts.
Result<std::vector<uint8_t>> marshal(const Message& message, uint32_t serial);

// One whole message, either byte order. `bytes` must be exactly the message.
Result<Message> unmarshal(std::span<const uint8_t> bytes);

// How many bytes the whole message starting with these 16 bytes takes
// (header, padding, body), after checking the byte order, version and limits.
Result<size_t> message_size(std::span<const uint8_t, kFixedHeaderSize> fixed_header);

// Syntax of the specification (exposed for the tests and for callers that
// build names from input).
bool valid_signature(std::string_view signature);
bool valid_object_path(std::string_view path);
bool valid_interface_name(std::string_view name);  // also error names
bool valid_member_name(std::string_view name);
bool valid_bus_name(std::string_view name);

// Whether `error` is the unwrapped error of Connection::call for a reply with
// this D-Bus error name (e.g. "org.freedesktop.systemd1.UnitExists").
bool is_error_name(const Error& error, std::string_view name);

// One connection to a bus (dbus-daemon: Hello, unique name, match rules) or to
// a peer (systemd's private socket). Single-threaded; every wait has a deadline,
// and running out of time is an Error with code() ETIMEDOUT naming what was
// awaited: `wait for the reply to org.x.Y.Z on "/run/...": Connection timed out`.
class Connection {
public:
    // Connects to a unix socket and authenticates (SASL EXTERNAL: the uid the kernel
    // reports for the socket);
    // on a bus also says Hello.
    static Result<Connection> open(const std::string& socket_path, bool bus, int timeout_ms);
    // The first `unix:path=` entry of a D-Bus address list that connects
    // ("unix:path=/run/dbus/system_bus_socket;unix:abstract=x").
    static Result<Connection> open_address(std::string_view address, bool bus, int timeout_ms);
    // The system bus ($DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket),
    // else systemd's private socket /run/systemd/private (root only; systemd
    // serves it before dbus-daemon runs). The bus's error names both.
    static Result<Connection> system(int timeout_ms);
    // $DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus.
    static Result<Connection> user(int timeout_ms);

    Connection(Connection&&) = default;
    Connection& operator=(Connection&&) = default;

    bool is_bus() const { return bus_; }
    // The bus's name for us (":1.42"); empty on a peer-to-peer connection.
    const std::string& unique_name() const { return unique_name_; }

    // Sends a message with the next serial and returns that serial.
    Result<uint32_t> send(const Message& message, int timeout_ms);
    // The reply to the call with this serial. Signals that arrive meanwhile are
    // queued for wait_signal; an error reply becomes an Error
    // `<error name>: <message text>` (see is_error_name).
    Result<Message> wait_reply(uint32_t serial, int timeout_ms);
    // send + wait_reply, both within timeout_ms.
    Result<Message> call(const Message& message, int timeout_ms);
    // org.freedesktop.DBus.Properties.Get: the property's value (unwrapped).
    Result<Value> get_property(const std::string& destination, const std::string& path,
                               const std::string& interface, const std::string& property, int timeout_ms);
    // Asks the bus to route matching signals to us. On a peer-to-peer connection
    // there is no bus to ask: every signal the peer emits arrives anyway.
    Status add_match(const std::string& rule, int timeout_ms);
    // The first signal (queued ones first) for which `match` returns true;
    // the others stay queued (the newest 1024: memory stays bounded).
    Result<Message> wait_signal(const std::function<bool(const Message&)>& match, int timeout_ms);

private:
    Connection(UniqueFd fd, bool bus, std::string socket_path);
    static Result<Connection> open_until(const std::string& socket_path, bool bus, int64_t deadline);
    Status authenticate(int64_t deadline);
    Result<std::string> read_auth_line(int64_t deadline);
    Status write_all(std::span<const uint8_t> bytes, int64_t deadline);
    Status read_some(int64_t deadline, const std::string& waiting_for);
    Result<Message> receive(int64_t deadline, const std::string& waiting_for);
    Result<uint32_t> send_until(const Message& message, int64_t deadline);
    Result<Message> reply_until(uint32_t serial, int64_t deadline, const std::string& call);
    Result<Message> call_until(const Message& message, int64_t deadline);
    Status keep(Message message, int64_t deadline);

    UniqueFd fd_;
    bool bus_ = false;
    std::string socket_path_;  // for error messages
    std::string unique_name_;
    uint32_t next_serial_ = 1;
    std::vector<uint8_t> in_;  // received, not yet parsed
    std::deque<Message> signals_;
};

}  // namespace berth::dbus
