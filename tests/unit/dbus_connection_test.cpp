// berth::dbus::Connection against a real dbus-daemon (Debian package
// dbus-daemon, tests/setup/install-deps.sh): a private bus per test in a
// temporary directory, stopped by its PID and removed even when a test fails.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "berth/util/dbus.hpp"

namespace {

using berth::dbus::Connection;
using berth::dbus::Message;
using berth::dbus::MessageKind;
using berth::dbus::Value;

constexpr int kTimeoutMs = 5000;
constexpr const char* kDaemon = "/usr/bin/dbus-daemon";

// Runs `argv` with stdout to `out_fd` (or inherited when -1) and `session_bus`
// as $DBUS_SESSION_BUS_ADDRESS when given; dies with the test process.
pid_t spawn(const std::vector<std::string>& argv, int out_fd, const std::string& session_bus = "") {
    const pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (!session_bus.empty()) setenv("DBUS_SESSION_BUS_ADDRESS", session_bus.c_str(), 1);
        if (out_fd >= 0) dup2(out_fd, 1);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    return pid;
}

class DbusDaemon : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(access(kDaemon, X_OK), 0) << kDaemon << " missing: tests/setup/install-deps.sh installs it";
        char tmpl[] = "/tmp/berth-dbus-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        socket_ = dir_ + "/bus";
        std::ofstream(dir_ + "/bus.conf") << "<busconfig>\n"
                                             "  <type>session</type>\n"
                                             "  <listen>unix:path=" << socket_ << "</listen>\n"
                                             "  <auth>EXTERNAL</auth>\n"
                                             "  <policy context=\"default\">\n"
                                             "    <allow send_destination=\"*\"/>\n"
                                             "    <allow receive_sender=\"*\"/>\n"
                                             "    <allow own=\"*\"/>\n"
                                             "  </policy>\n"
                                             "</busconfig>\n";
        // --print-address writes once the bus listens: reading it is the readiness check.
        int fds[2];
        ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
        daemon_ = spawn({kDaemon, "--config-file=" + dir_ + "/bus.conf", "--nofork", "--print-address=1"}, fds[1]);
        close(fds[1]);
        char buf[512];
        const ssize_t n = read(fds[0], buf, sizeof buf);
        close(fds[0]);
        ASSERT_GT(n, 0) << "dbus-daemon printed no address";
        address_ = std::string(buf, static_cast<size_t>(n));
        address_.erase(address_.find_last_not_of('\n') + 1);
    }

    void TearDown() override {
        if (daemon_ > 0) {
            kill(daemon_, SIGTERM);
            waitpid(daemon_, nullptr, 0);
        }
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }

    Connection connect() {
        auto c = Connection::open(socket_, true, kTimeoutMs);
        EXPECT_TRUE(c.ok()) << c.error().what();
        return std::move(c).value();
    }

    static Message bus_call(std::string member, std::vector<Value> args = {}) {
        return Message::method_call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                    std::move(member), std::move(args));
    }

    static std::function<bool(const Message&)> member_is(std::string member) {
        return [member](const Message& m) { return m.member == member; };
    }

    std::string dir_, socket_, address_;
    pid_t daemon_ = -1;
};

TEST_F(DbusDaemon, HelloGivesAUniqueName) {
    Connection c = connect();
    EXPECT_TRUE(c.is_bus());
    EXPECT_EQ(c.unique_name().substr(0, 3), ":1.") << c.unique_name();
    // The bus announces the name to us: NameAcquired is queued for wait_signal.
    auto acquired = c.wait_signal(member_is("NameAcquired"), kTimeoutMs);
    ASSERT_TRUE(acquired.ok()) << acquired.error().what();
    EXPECT_EQ(acquired->body, (std::vector<Value>{Value::string(c.unique_name())}));
}

TEST_F(DbusDaemon, CallsTheBus) {
    Connection c = connect();
    auto id = c.call(bus_call("GetId"), kTimeoutMs);
    ASSERT_TRUE(id.ok()) << id.error().what();
    ASSERT_EQ(id->signature, "s");
    EXPECT_EQ(id->body[0].text().size(), 32u);
    EXPECT_EQ(id->sender, "org.freedesktop.DBus");

    auto names = c.call(bus_call("ListNames"), kTimeoutMs);
    ASSERT_TRUE(names.ok()) << names.error().what();
    ASSERT_EQ(names->signature, "as");
    const auto& list = names->body[0].children();
    EXPECT_NE(std::find(list.begin(), list.end(), Value::string("org.freedesktop.DBus")), list.end());
    EXPECT_NE(std::find(list.begin(), list.end(), Value::string(c.unique_name())), list.end());

    auto owner = c.call(bus_call("GetNameOwner", {Value::string(c.unique_name())}), kTimeoutMs);
    ASSERT_TRUE(owner.ok()) << owner.error().what();
    EXPECT_EQ(owner->body, (std::vector<Value>{Value::string(c.unique_name())}));
}

TEST_F(DbusDaemon, ReadsAProperty) {
    Connection c = connect();
    auto features = c.get_property("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                   "Interfaces", kTimeoutMs);
    ASSERT_TRUE(features.ok()) << features.error().what();
    EXPECT_EQ(features->signature(), "as");
    const auto& list = features->children();
    EXPECT_NE(std::find(list.begin(), list.end(), Value::string("org.freedesktop.DBus.Monitoring")), list.end());
}

TEST_F(DbusDaemon, ErrorReplyCarriesItsName) {
    Connection c = connect();
    auto r = c.call(bus_call("NoSuchMethod"), kTimeoutMs);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(berth::dbus::is_error_name(r.error(), "org.freedesktop.DBus.Error.UnknownMethod")) << r.error().what();
    EXPECT_EQ(r.error().what().rfind("org.freedesktop.DBus.Error.UnknownMethod: ", 0), 0u) << r.error().what();
    EXPECT_NE(r.error().what().find("NoSuchMethod"), std::string::npos) << r.error().what();
    // The connection goes on working after an error.
    EXPECT_TRUE(c.call(bus_call("GetId"), kTimeoutMs).ok());
}

TEST_F(DbusDaemon, SignalFromAnotherConnectionArrives) {
    Connection listener = connect();
    ASSERT_TRUE(listener.add_match("type='signal',interface='org.example.Test'", kTimeoutMs).ok());
    Connection emitter = connect();
    auto sent = emitter.send(Message::signal("/org/example", "org.example.Test", "Ping",
                                             {Value::uint32(7), berth::dbus::properties_value({{"A", Value::boolean(true)}})}),
                             kTimeoutMs);
    ASSERT_TRUE(sent.ok()) << sent.error().what();
    auto got = listener.wait_signal(member_is("Ping"), kTimeoutMs);
    ASSERT_TRUE(got.ok()) << got.error().what();
    EXPECT_EQ(got->sender, emitter.unique_name());
    EXPECT_EQ(got->path, "/org/example");
    EXPECT_EQ(got->signature, "ua(sv)");
    EXPECT_EQ(got->body[1], berth::dbus::properties_value({{"A", Value::boolean(true)}}));
}

TEST_F(DbusDaemon, SignalFromDbusSendArrives) {
    Connection listener = connect();
    ASSERT_TRUE(listener.add_match("type='signal',interface='org.example.Test'", kTimeoutMs).ok());
    // --session, not --address=: with --address dbus-send skips Hello, and the
    // bus routes nothing from a connection that has not said it.
    const pid_t sender = spawn({"/usr/bin/dbus-send", "--session", "--type=signal", "/org/example/Tool",
                                "org.example.Test.FromTool", "string:hello", "uint64:18446744073709551615",
                                "array:string:a,b", "variant:int32:-5"},
                               -1, address_);
    int status = 0;
    ASSERT_EQ(waitpid(sender, &status, 0), sender);
    ASSERT_EQ(status, 0);
    auto got = listener.wait_signal(member_is("FromTool"), kTimeoutMs);
    ASSERT_TRUE(got.ok()) << got.error().what();
    EXPECT_EQ(got->body, (std::vector<Value>{Value::string("hello"), Value::uint64(~0ULL),
                                             Value::array("s", {Value::string("a"), Value::string("b")}),
                                             Value::variant(Value::int32(-5))}));
}

TEST_F(DbusDaemon, SignalDuringACallIsQueued) {
    Connection listener = connect();
    ASSERT_TRUE(listener.add_match("type='signal',member='Queued'", kTimeoutMs).ok());
    Connection emitter = connect();
    ASSERT_TRUE(emitter.send(Message::signal("/a", "org.example.Test", "Queued", {Value::string("x")}), kTimeoutMs).ok());
    // The bus routes the emitter's messages in order: once its own GetId is
    // answered, the signal is in the listener's socket, ahead of any reply.
    ASSERT_TRUE(emitter.call(bus_call("GetId"), kTimeoutMs).ok());
    ASSERT_TRUE(listener.call(bus_call("GetId"), kTimeoutMs).ok());
    // Now only the queue can have it: a zero timeout does not wait for the socket.
    auto got = listener.wait_signal(member_is("Queued"), 0);
    ASSERT_TRUE(got.ok()) << got.error().what();
    EXPECT_EQ(got->body, (std::vector<Value>{Value::string("x")}));
}

TEST_F(DbusDaemon, WaitingForASignalTimesOut) {
    Connection c = connect();
    const auto start = std::chrono::steady_clock::now();
    auto r = c.wait_signal(member_is("Never"), 200);
    const auto waited = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ETIMEDOUT);
    EXPECT_EQ(r.error().what(), "wait for a matching signal on \"" + socket_ + "\": Connection timed out");
    EXPECT_GE(waited, std::chrono::milliseconds(200));
    EXPECT_LT(waited, std::chrono::milliseconds(2000));
}

TEST_F(DbusDaemon, CallToAPeerThatNeverAnswersTimesOut) {
    Connection caller = connect();
    Connection silent = connect();
    auto r = caller.call(Message::method_call(silent.unique_name(), "/x", "org.example.Test", "Slow"), 200);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().what(),
              "wait for the reply to org.example.Test.Slow on \"" + socket_ + "\": Connection timed out");
}

TEST_F(DbusDaemon, MethodCallsToUsGetAnError) {
    Connection caller = connect();
    Connection callee = connect();
    auto serial = caller.send(Message::method_call(callee.unique_name(), "/x", "org.example.Test", "Hi"), kTimeoutMs);
    ASSERT_TRUE(serial.ok()) << serial.error().what();
    // The bus handles the caller's messages in order: once this is answered,
    // the call to the callee is in the callee's socket.
    ASSERT_TRUE(caller.call(bus_call("GetId"), kTimeoutMs).ok());
    // The callee answers while it waits for a reply of its own.
    ASSERT_TRUE(callee.call(bus_call("GetId"), kTimeoutMs).ok());
    auto r = caller.wait_reply(*serial, kTimeoutMs);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(berth::dbus::is_error_name(r.error(), "org.freedesktop.DBus.Error.UnknownMethod")) << r.error().what();
}

TEST_F(DbusDaemon, OpensAddressLists) {
    std::string escaped = socket_;
    escaped.replace(escaped.rfind('/'), 1, "%2f");
    auto c = Connection::open_address("tcp:host=localhost,port=1;unix:abstract=x;unix:path=" + escaped + ",guid=0",
                                      true, kTimeoutMs);
    ASSERT_TRUE(c.ok()) << c.error().what();
    EXPECT_FALSE(c->unique_name().empty());
    // The first unix:path that connects wins.
    c = Connection::open_address("unix:path=" + dir_ + "/none;" + address_, true, kTimeoutMs);
    ASSERT_TRUE(c.ok()) << c.error().what();

    auto none = Connection::open_address("unix:abstract=x", true, kTimeoutMs);
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().what(), "D-Bus address \"unix:abstract=x\" has no unix:path= entry");
    none = Connection::open_address("unix:path=" + dir_ + "/none", true, kTimeoutMs);
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().what(), "connect \"" + dir_ + "/none\": No such file or directory");
}

// Sets an environment variable for one scope.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = getenv(name)) old_ = old, had_ = true;
        if (value) setenv(name, value, 1);
        else unsetenv(name);
    }
    ~ScopedEnv() {
        if (had_) setenv(name_, old_.c_str(), 1);
        else unsetenv(name_);
    }

private:
    const char* name_;
    std::string old_;
    bool had_ = false;
};

TEST_F(DbusDaemon, UserBusFromTheEnvironment) {
    {
        ScopedEnv address("DBUS_SESSION_BUS_ADDRESS", address_.c_str());
        auto c = Connection::user(kTimeoutMs);
        ASSERT_TRUE(c.ok()) << c.error().what();
        EXPECT_TRUE(c->is_bus());
    }
    ScopedEnv no_address("DBUS_SESSION_BUS_ADDRESS", nullptr);
    {
        ScopedEnv runtime("XDG_RUNTIME_DIR", dir_.c_str());  // $XDG_RUNTIME_DIR/bus
        auto c = Connection::user(kTimeoutMs);
        ASSERT_TRUE(c.ok()) << c.error().what();
    }
    ScopedEnv no_runtime("XDG_RUNTIME_DIR", nullptr);
    EXPECT_FALSE(Connection::user(kTimeoutMs).ok());
}

TEST_F(DbusDaemon, SystemBusFromTheEnvironment) {
    ScopedEnv address("DBUS_SYSTEM_BUS_ADDRESS", address_.c_str());
    auto c = Connection::system(kTimeoutMs);
    ASSERT_TRUE(c.ok()) << c.error().what();
    EXPECT_TRUE(c->is_bus());
}

TEST(DbusConnection, NoSystemBusNamesBothSockets) {
    ScopedEnv address("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/berth/system_bus");
    if (access("/run/systemd/private", F_OK) == 0) GTEST_SKIP() << "systemd's private socket is there";
    auto c = Connection::system(kTimeoutMs);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().what(),
              "no system bus (and connect \"/run/systemd/private\": No such file or directory): "
              "connect \"/nonexistent/berth/system_bus\": No such file or directory");
}

TEST(DbusConnection, MissingSocketIsNamed) {
    auto c = Connection::open("/nonexistent/berth/bus", true, kTimeoutMs);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().what(), "connect \"/nonexistent/berth/bus\": No such file or directory");
}

// A listening socket in a temporary directory, played by a thread of the test:
// systemd's private socket, or a peer that misbehaves.
class FakePeer : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/berth-dbus-peer-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        path_ = dir_ + "/private";
        listener_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        path_.copy(addr.sun_path, sizeof addr.sun_path - 1);
        ASSERT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        ASSERT_EQ(listen(listener_, 1), 0);
    }
    void TearDown() override {
        if (peer_.joinable()) peer_.join();
        if (listener_ >= 0) close(listener_);
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }

    std::string dir_, path_;
    int listener_ = -1;
    std::thread peer_;
};

TEST_F(FakePeer, RefusedAuthenticationIsNamed) {
    peer_ = std::thread([&] {
        const int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        char buf[256];
        (void)!read(fd, buf, sizeof buf);
        const std::string rejected = "REJECTED EXTERNAL\r\n";
        (void)!write(fd, rejected.data(), rejected.size());
        close(fd);
    });
    auto c = Connection::open(path_, false, kTimeoutMs);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().what(), "D-Bus authentication on \"" + path_ + "\" refused: REJECTED EXTERNAL");
}

// The exact SASL exchange, no Hello, a call answered by the peer.
TEST_F(FakePeer, PeerToPeerWithoutHello) {
    // What the peer received: the SASL lines, then the call (no Hello before it).
    std::string auth_seen, data_seen, begin_seen, call;
    peer_ = std::thread([&] {
        const int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        std::string in;
        auto fill = [&](auto enough) {
            char buf[4096];
            while (!enough()) {
                const ssize_t n = read(fd, buf, sizeof buf);
                if (n <= 0) return;
                in.append(buf, static_cast<size_t>(n));
            }
        };
        // Moves what `in` holds up to and including the next CRLF into `into`.
        auto take_line = [&](std::string& into) {
            fill([&] { return in.find("\r\n") != std::string::npos; });
            const size_t cut = std::min(in.find("\r\n") + 2, in.size());
            into = in.substr(0, cut);
            in.erase(0, cut);
        };
        take_line(auth_seen);
        take_line(data_seen);
        // the server's challenge for an identity, which the client skips
        const std::string ok = "DATA\r\nOK 0123456789abcdef0123456789abcdef\r\n";
        (void)!write(fd, ok.data(), ok.size());
        take_line(begin_seen);
        const auto bytes_in = [&] { return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(in.data()), in.size()); };
        fill([&] { return in.size() >= 16; });
        const auto size = berth::dbus::message_size(bytes_in().first<16>());
        fill([&] { return in.size() >= *size; });
        call = in;
        auto m = berth::dbus::unmarshal({reinterpret_cast<const uint8_t*>(call.data()), call.size()});
        Message reply;
        reply.kind = MessageKind::method_return;
        reply.reply_serial = m ? m->serial : 1;
        reply.body = {Value::variant(Value::string(m ? m->member : m.error().what()))};
        auto bytes = berth::dbus::marshal(reply, 1);
        (void)!write(fd, bytes->data(), bytes->size());
        close(fd);
    });
    auto c = Connection::open(path_, false, kTimeoutMs);
    berth::Result<Value> version = c ? c->get_property("org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                                "org.freedesktop.systemd1.Manager", "Version", kTimeoutMs)
                              : berth::Result<Value>(c.error());
    peer_.join();
    ASSERT_TRUE(c.ok()) << c.error().what();
    EXPECT_FALSE(c->is_bus());
    EXPECT_EQ(c->unique_name(), "");
    // no identity claimed: the server takes the socket's credentials
    EXPECT_EQ(auth_seen, std::string(1, '\0') + "AUTH EXTERNAL\r\n");
    EXPECT_EQ(data_seen, "DATA\r\n");
    EXPECT_EQ(begin_seen, "BEGIN\r\n");
    ASSERT_TRUE(version.ok()) << version.error().what();
    EXPECT_EQ(*version, Value::string("Get"));
}

}  // namespace
