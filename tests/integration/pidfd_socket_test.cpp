// --pidfd-socket on create, run and exec (runc 1.2+, runc's pidfd-socket.bats):
// a listener receives a pidfd of the container's init or of the exec'd process,
// and signals the process through it.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

// A listening unix socket; berth connects and sends before it exits, so the
// connection waits in the backlog until the test accepts it.
class PidfdListener {
public:
    explicit PidfdListener(std::string path) : path_(std::move(path)) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
        ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && ::listen(fd_, 4) == 0;
    }
    ~PidfdListener() {
        if (fd_ >= 0) ::close(fd_);
        ::unlink(path_.c_str());
    }
    bool ok() const { return ok_; }
    const std::string& path() const { return path_; }

    // The pidfd of one connection (-1 when none came) and its message.
    int receive(std::string& message) {
        int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (conn < 0) return -1;
        char text[64] = {};
        iovec iov{text, sizeof(text) - 1};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        msghdr mh{};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = control;
        mh.msg_controllen = sizeof(control);
        int fd = -1;
        if (::recvmsg(conn, &mh, MSG_CMSG_CLOEXEC) > 0) {
            cmsghdr* c = CMSG_FIRSTHDR(&mh);
            if (c && c->cmsg_type == SCM_RIGHTS) std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
        }
        ::close(conn);
        message = text;
        return fd;
    }

private:
    std::string path_;
    int fd_ = -1;
    bool ok_ = false;
};

// The pid a pidfd refers to, from its fdinfo.
int pid_of_pidfd(int pidfd) {
    std::ifstream info("/proc/self/fdinfo/" + std::to_string(pidfd));
    std::string line;
    while (std::getline(info, line))
        if (line.rfind("Pid:", 0) == 0) return std::stoi(line.substr(4));
    return -1;
}

bool signal_pidfd(int pidfd, int signal) { return ::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0) == 0; }

// Receives one pidfd, checks its message (runc's init type: "standard" for an
// init, "setns" for an exec'd process) and that it refers to `pid`, and kills
// the process through it. The pidfd, or -1 when none came.
int receive_and_kill(PidfdListener& listener, const std::string& expected_message, int pid) {
    std::string message;
    const int pidfd = listener.receive(message);
    if (pidfd < 0) return -1;
    EXPECT_EQ(message, expected_message);
    EXPECT_EQ(pid_of_pidfd(pidfd), pid);
    EXPECT_TRUE(signal_pidfd(pidfd, SIGKILL));
    return pidfd;
}

class PidfdSocket : public IntegrationTest {
protected:
    std::string sleeper() {
        auto bundle = make_bundle();
        bundle.spec.process->args = {"/bin/sleep", "600"};
        bundle.write();
        bundle_ = bundle.path();
        return last_id();
    }
    // The init's pidfd came and kills it: the container stops and is deleted.
    void expect_init_killed_through_pidfd(PidfdListener& listener, const std::string& id) {
        const int pidfd = receive_and_kill(listener, "standard", state_of(id).pid);
        ASSERT_GE(pidfd, 0) << "no pidfd arrived";
        ::close(pidfd);
        EXPECT_EQ(wait_for_status(id, "stopped"), "stopped");
        EXPECT_EQ(run_berth("delete", id).exit_code, 0);
    }
    std::string bundle_;
};

TEST_F(PidfdSocket, CreateSendsTheInitsPidfd) {
    PidfdListener listener(dir() + "/pidfd.sock");
    ASSERT_TRUE(listener.ok());
    auto id = sleeper();
    auto r = run_berth("create", "--bundle", bundle_, "--pidfd-socket", listener.path(), id);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(state_of(id).status, "created");
    expect_init_killed_through_pidfd(listener, id);
}

TEST_F(PidfdSocket, RunDetachedSendsTheInitsPidfd) {
    PidfdListener listener(dir() + "/pidfd.sock");
    ASSERT_TRUE(listener.ok());
    auto id = sleeper();
    auto r = run_berth("run", "--detach", "--bundle", bundle_, "--pidfd-socket", listener.path(), id);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    expect_init_killed_through_pidfd(listener, id);
}

TEST_F(PidfdSocket, ExecSendsTheExecdProcesssPidfd) {
    PidfdListener listener(dir() + "/pidfd.sock");
    ASSERT_TRUE(listener.ok());
    auto id = sleeper();
    ASSERT_EQ(run_berth("run", "--detach", "--bundle", bundle_, id).exit_code, 0);
    const std::string pid_file = dir() + "/exec.pid";
    auto r = run_berth("exec", "--detach", "--pid-file", pid_file, "--pidfd-socket", listener.path(), id, "sleep", "600");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    const int exec_pid = std::stoi(read_file(pid_file));
    const int pidfd = receive_and_kill(listener, "setns", exec_pid);
    ASSERT_GE(pidfd, 0) << "no pidfd arrived";
    // The exec'd process is gone (its pidfd turns readable), the container still runs.
    pollfd p{pidfd, POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 10000), 1);
    ::close(pidfd);
    // `exec -d` exited, so the process is reparented to the nearest subreaper,
    // which may be this test: reap it, or the container's pid namespace stays.
    (void)::waitpid(exec_pid, nullptr, WNOHANG);
    EXPECT_EQ(state_of(id).status, "running");
    auto deleted = run_berth("delete", "--force", id);
    EXPECT_EQ(deleted.exit_code, 0) << deleted.describe();
}

TEST_F(PidfdSocket, NoListenerFailsBeforeAnythingRuns) {
    auto id = sleeper();
    const std::string missing = dir() + "/nobody.sock";
    auto r = run_berth("create", "--bundle", bundle_, "--pidfd-socket", missing, id);
    EXPECT_NE(r.exit_code, 0);
    if (runtime_is_berth()) {
        EXPECT_NE(r.err.find("connect pidfd socket"), std::string::npos) << r.describe();
        EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.describe();
    }
    EXPECT_EQ(state_of(id).status, "");
}

}  // namespace
}  // namespace berth::test
