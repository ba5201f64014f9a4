// connect_console_socket: a listener that comes up shortly after berth asks
// (runc's suite starts recvtty in the background without waiting for it) is
// still reached; a socket that never comes fails, naming the path.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "berth/linux/terminal.hpp"

namespace berth::linux_setup {
namespace {

std::string socket_path(const char* name) {
    return "/tmp/berth-console-" + std::to_string(::getpid()) + "-" + name;
}

// A child that starts listening on `path` after `delay_ms` and accepts one connection.
pid_t late_listener(const std::string& path, int delay_ms) {
    pid_t pid = ::fork();
    if (pid != 0) return pid;
    ::alarm(10);  // nobody came: end instead of waiting in accept forever
    ::usleep(static_cast<useconds_t>(delay_ms) * 1000);
    int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(s, 1) != 0) ::_exit(2);
    int c = ::accept(s, nullptr, nullptr);
    ::_exit(c >= 0 ? 0 : 3);
}

TEST(ConsoleSocket, AListenerThatComesUpLateIsReached) {
    const std::string path = socket_path("late");
    ::unlink(path.c_str());
    pid_t listener = late_listener(path, 200);
    auto fd = connect_console_socket(path);
    EXPECT_TRUE(fd.ok()) << (fd.ok() ? "" : fd.error().what());
    if (!fd.ok()) ::kill(listener, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(listener, &status, 0), listener);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    ::unlink(path.c_str());
}

TEST(ConsoleSocket, ASocketThatNeverComesFailsAfterABoundedWait) {
    const std::string path = socket_path("never");
    ::unlink(path.c_str());
    const auto start = std::chrono::steady_clock::now();
    auto fd = connect_console_socket(path);
    const auto waited = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(fd.ok());
    EXPECT_EQ(fd.error().what(), "connect console socket \"" + path + "\": No such file or directory");
    EXPECT_LT(waited, std::chrono::seconds(5));
}

}  // namespace
}  // namespace berth::linux_setup
