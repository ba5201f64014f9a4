// A D-Bus connection over a unix stream socket: SASL EXTERNAL, Hello on a
// bus, calls with replies matched by serial, signals queued until asked for.
// Non-blocking socket, every wait a poll() against a deadline.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "berth/util/dbus.hpp"

namespace berth::dbus {
namespace {

constexpr const char* kBusName = "org.freedesktop.DBus";
constexpr const char* kBusPath = "/org/freedesktop/DBus";
// An authentication line from the server is a few dozen bytes.
constexpr size_t kMaxAuthLine = 512;
// Signals nobody asked for yet (NameAcquired, a peer's broadcasts) are kept up
// to this many, the oldest dropped first: memory stays bounded whatever arrives.
constexpr size_t kMaxQueuedSignals = 1024;

int64_t now_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// `timeout_ms` from now, counted from the next whole millisecond: now_ms()
// rounds down, so a deadline from it would expire up to 1 ms early.
int64_t deadline_in(int timeout_ms) { return now_ms() + 1 + timeout_ms; }

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Waits until `fd` is ready for `events`; ETIMEDOUT at the deadline.
Status wait_ready(int fd, short events, int64_t deadline, const std::string& context) {
    for (;;) {
        const int64_t left = deadline - now_ms();
        if (left <= 0) return Error::sys(ETIMEDOUT, context);
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, static_cast<int>(left));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::from_errno(context);
        if (n > 0) return {};
    }
}

// The value of `unix:path=` in one address entry ("unix:path=/x,guid=..."),
// %-escapes decoded; empty when the entry is another transport or malformed.
std::string unix_path_of(std::string_view entry) {
    constexpr std::string_view kUnix = "unix:";
    if (entry.substr(0, kUnix.size()) != kUnix) return {};
    entry.remove_prefix(kUnix.size());
    for (size_t start = 0; start <= entry.size();) {
        const size_t comma = std::min(entry.find(',', start), entry.size());
        const std::string_view pair = entry.substr(start, comma - start);
        start = comma + 1;
        if (pair.substr(0, 5) != "path=") continue;
        std::string path;
        for (size_t i = 5; i < pair.size(); ++i) {
            if (pair[i] != '%') {
                path += pair[i];
                continue;
            }
            const std::string digits(pair.substr(i + 1, 2));
            char* end = nullptr;
            const long byte = std::strtol(digits.c_str(), &end, 16);
            if (digits.size() != 2 || end != digits.c_str() + 2) return {};
            path += static_cast<char>(byte);
            i += 2;
        }
        return path;
    }
    return {};
}

}  // namespace

bool is_error_name(const Error& error, std::string_view name) {
    const std::string& text = error.context();
    return error.code() == 0 && text.compare(0, name.size(), name) == 0 &&
           (text.size() == name.size() || text[name.size()] == ':');
}

Connection::Connection(UniqueFd fd, bool bus, std::string socket_path)
    : fd_(std::move(fd)), bus_(bus), socket_path_(std::move(socket_path)) {}

Result<Connection> Connection::open(const std::string& socket_path, bool bus, int timeout_ms) {
    return open_until(socket_path, bus, deadline_in(timeout_ms));
}

Result<Connection> Connection::open_until(const std::string& socket_path, bool bus, int64_t deadline) {
    const std::string context = "connect " + quoted(socket_path);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof addr.sun_path) return Error::sys(ENAMETOOLONG, context);
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return Error::from_errno("socket");
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        // Interrupted or in progress, the connection completes in the background.
        if (errno != EINPROGRESS && errno != EINTR) return Error::from_errno(context);
        BERTH_TRY(wait_ready(fd.get(), POLLOUT, deadline, context));
        int err = 0;
        socklen_t len = sizeof err;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) return Error::from_errno(context);
        if (err != 0) return Error::sys(err, context);
    }
    Connection c(std::move(fd), bus, socket_path);
    BERTH_TRY(c.authenticate(deadline));
    if (bus) {
        BERTH_TRY_ASSIGN(const Message reply, c.call_until(Message::method_call(kBusName, kBusPath, kBusName, "Hello"),
                                                           deadline));
        if (reply.signature != "s") return Error::msg("Hello on " + quoted(socket_path) + ": reply without a name");
        c.unique_name_ = reply.body[0].text();
    }
    return c;
}

Result<Connection> Connection::open_address(std::string_view address, bool bus, int timeout_ms) {
    const int64_t deadline = deadline_in(timeout_ms);
    Result<Connection> last = Error::msg("D-Bus address " + quoted(address) + " has no unix:path= entry");
    for (size_t start = 0; start <= address.size();) {
        const size_t semicolon = std::min(address.find(';', start), address.size());
        const std::string path = unix_path_of(address.substr(start, semicolon - start));
        start = semicolon + 1;
        if (path.empty()) continue;
        last = open_until(path, bus, deadline);
        if (last) break;
    }
    return last;
}

Result<Connection> Connection::system(int timeout_ms) {
    const int64_t deadline = deadline_in(timeout_ms);
    // The bus first, as runc (go-systemd) talks to systemd: under load systemd
    // left calls on its private socket unanswered (tests/systemd-vm saw 30 s
    // timeouts for StopUnit while the unit was being collected).
    const char* address = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
    auto bus = address && *address ? open_address(address, true, static_cast<int>(deadline - now_ms()))
                                   : open_until("/run/dbus/system_bus_socket", true, deadline);
    if (bus) return bus;
    auto private_socket = open_until("/run/systemd/private", false, deadline);
    if (private_socket) return private_socket;
    return std::move(bus).error().wrap("no system bus (and " + private_socket.error().what() + ")");
}

Result<Connection> Connection::user(int timeout_ms) {
    if (const char* address = std::getenv("DBUS_SESSION_BUS_ADDRESS"); address && *address)
        return open_address(address, true, timeout_ms);
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    if (!runtime || !*runtime) return Error::msg("no user bus: neither $DBUS_SESSION_BUS_ADDRESS nor $XDG_RUNTIME_DIR set");
    return open(std::string(runtime) + "/bus", true, timeout_ms);
}

// SASL: a NUL byte, then AUTH EXTERNAL without an identity and an empty DATA
// (pipelined, as sd-bus does): the server takes the uid the kernel reports for
// our socket (SO_PEERCRED). Claiming geteuid() instead fails in a user
// namespace (rootless podman runs the runtime as its uid 0, which the bus sees
// as the user's uid). The server's DATA challenge is skipped; BEGIN after OK.
Status Connection::authenticate(int64_t deadline) {
    const std::string auth = std::string(1, '\0') + "AUTH EXTERNAL\r\nDATA\r\n";
    BERTH_TRY(write_all({reinterpret_cast<const uint8_t*>(auth.data()), auth.size()}, deadline));
    std::string line;
    do {
        BERTH_TRY_ASSIGN(line, read_auth_line(deadline));
    } while (line == "DATA");
    if (line.compare(0, 3, "OK ") != 0)
        return Error::msg("D-Bus authentication on " + quoted(socket_path_) + " refused: " + line);
    constexpr std::string_view kBegin = "BEGIN\r\n";
    return write_all({reinterpret_cast<const uint8_t*>(kBegin.data()), kBegin.size()}, deadline);
}

Result<std::string> Connection::read_auth_line(int64_t deadline) {
    const std::string waiting = "the D-Bus authentication reply";
    size_t line_end = 0;
    for (;;) {
        const std::string_view got(reinterpret_cast<const char*>(in_.data()), in_.size());
        line_end = got.find("\r\n");
        if (line_end != std::string_view::npos) break;
        if (got.size() > kMaxAuthLine)
            return Error::msg("D-Bus authentication on " + quoted(socket_path_) + ": reply line too long");
        BERTH_TRY(read_some(deadline, waiting));
    }
    std::string line(in_.begin(), in_.begin() + static_cast<ptrdiff_t>(line_end));
    in_.erase(in_.begin(), in_.begin() + static_cast<ptrdiff_t>(line_end + 2));
    return line;
}

Status Connection::write_all(std::span<const uint8_t> bytes, int64_t deadline) {
    const std::string context = "write " + quoted(socket_path_);
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n >= 0) {
            bytes = bytes.subspan(static_cast<size_t>(n));
        } else if (errno == EAGAIN) {
            BERTH_TRY(wait_ready(fd_.get(), POLLOUT, deadline, context));
        } else if (errno != EINTR) {
            return Error::from_errno(context);
        }
    }
    return {};
}

// Appends what the socket has (waiting for it until the deadline).
Status Connection::read_some(int64_t deadline, const std::string& waiting_for) {
    const std::string context = "read " + quoted(socket_path_);
    constexpr size_t kChunk = 64 * 1024;
    for (;;) {
        const size_t had = in_.size();
        in_.resize(had + kChunk);
        const ssize_t n = ::recv(fd_.get(), in_.data() + had, kChunk, 0);
        in_.resize(had + static_cast<size_t>(n > 0 ? n : 0));
        if (n > 0) return {};
        if (n == 0) return Error::msg(context + ": connection closed by the peer");
        if (errno == EAGAIN) {
            BERTH_TRY(wait_ready(fd_.get(), POLLIN, deadline, "wait for " + waiting_for + " on " + quoted(socket_path_)));
        } else if (errno != EINTR) {
            return Error::from_errno(context);
        }
    }
}

Result<Message> Connection::receive(int64_t deadline, const std::string& waiting_for) {
    while (in_.size() < kFixedHeaderSize) BERTH_TRY(read_some(deadline, waiting_for));
    auto size = message_size(std::span<const uint8_t, kFixedHeaderSize>(in_.data(), kFixedHeaderSize));
    if (!size) return std::move(size).error().wrap("read " + quoted(socket_path_));
    while (in_.size() < *size) BERTH_TRY(read_some(deadline, waiting_for));
    auto message = unmarshal({in_.data(), *size});
    in_.erase(in_.begin(), in_.begin() + static_cast<ptrdiff_t>(*size));
    if (!message) return std::move(message).error().wrap("read " + quoted(socket_path_));
    return message;
}

Result<uint32_t> Connection::send(const Message& message, int timeout_ms) {
    return send_until(message, deadline_in(timeout_ms));
}

Result<uint32_t> Connection::send_until(const Message& message, int64_t deadline) {
    const uint32_t serial = next_serial_;
    next_serial_ = next_serial_ == UINT32_MAX ? 1 : next_serial_ + 1;  // 0 is no serial
    BERTH_TRY_ASSIGN(const std::vector<uint8_t> bytes, marshal(message, serial));
    BERTH_TRY(write_all(bytes, deadline));
    return serial;
}

Result<Message> Connection::wait_reply(uint32_t serial, int timeout_ms) {
    return reply_until(serial, deadline_in(timeout_ms), "call " + std::to_string(serial));
}

Result<Message> Connection::reply_until(uint32_t serial, int64_t deadline, const std::string& call) {
    for (;;) {
        BERTH_TRY_ASSIGN(Message m, receive(deadline, "the reply to " + call));
        const bool reply = m.kind == MessageKind::method_return || m.kind == MessageKind::error;
        if (!reply || m.reply_serial != serial) {
            BERTH_TRY(keep(std::move(m), deadline));
            continue;
        }
        if (m.kind == MessageKind::method_return) return m;
        std::string text = m.error_name;
        if (!m.body.empty() && m.body[0].type() == Type::string) text += ": " + m.body[0].text();
        return Error::msg(std::move(text));
    }
}

// A message that is not the awaited reply: signals are queued; a method call
// to us gets the error any unknown method gets (so its caller need not time
// out); late replies to calls we gave up on are dropped.
Status Connection::keep(Message m, int64_t deadline) {
    if (m.kind == MessageKind::signal) {
        if (signals_.size() == kMaxQueuedSignals) signals_.pop_front();
        signals_.push_back(std::move(m));
    } else if (m.kind == MessageKind::method_call && !(m.flags & kNoReplyExpected)) {
        Message error;
        error.kind = MessageKind::error;
        error.flags = kNoReplyExpected;
        error.destination = m.sender;
        error.reply_serial = m.serial;
        error.error_name = "org.freedesktop.DBus.Error.UnknownMethod";
        error.body = {Value::string("berth answers no method calls")};
        BERTH_TRY(send_until(error, deadline));
    }
    return {};
}

Result<Message> Connection::call(const Message& message, int timeout_ms) {
    return call_until(message, deadline_in(timeout_ms));
}

Result<Message> Connection::call_until(const Message& message, int64_t deadline) {
    BERTH_TRY_ASSIGN(const uint32_t serial, send_until(message, deadline));
    return reply_until(serial, deadline, message.interface + "." + message.member);
}

Result<Value> Connection::get_property(const std::string& destination, const std::string& path,
                                       const std::string& interface, const std::string& property, int timeout_ms) {
    BERTH_TRY_ASSIGN(const Message reply,
                     call(Message::method_call(destination, path, "org.freedesktop.DBus.Properties", "Get",
                                               {Value::string(interface), Value::string(property)}),
                          timeout_ms));
    if (reply.signature != "v")
        return Error::msg("property " + interface + "." + property + ": reply of signature " + quoted(reply.signature));
    return reply.body[0].children()[0];
}

Status Connection::add_match(const std::string& rule, int timeout_ms) {
    if (!bus_) return {};
    BERTH_TRY(call(Message::method_call(kBusName, kBusPath, kBusName, "AddMatch", {Value::string(rule)}), timeout_ms));
    return {};
}

Result<Message> Connection::wait_signal(const std::function<bool(const Message&)>& match, int timeout_ms) {
    for (auto it = signals_.begin(); it != signals_.end(); ++it) {
        if (!match(*it)) continue;
        Message m = std::move(*it);
        signals_.erase(it);
        return m;
    }
    const int64_t deadline = deadline_in(timeout_ms);
    for (;;) {
        BERTH_TRY_ASSIGN(Message m, receive(deadline, "a matching signal"));
        if (m.kind == MessageKind::signal && match(m)) return m;
        BERTH_TRY(keep(std::move(m), deadline));
    }
}

}  // namespace berth::dbus
