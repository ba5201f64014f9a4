// SCMP_ACT_NOTIFY with listenerPath on a real container: a small agent of
// ours receives the notify fd and the containerProcessState over SCM_RIGHTS
// (runtime-spec config-linux.md) and answers the container's mkdir with
// success without creating anything, which proves the answer came from it.
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

// The agent process: accept one connection, save the state JSON, answer every
// notification with "success, 0" until the container's filter goes away.
[[noreturn]] void agent(int listener, const std::string& state_file) {
    const int conn = accept(listener, nullptr, nullptr);
    if (conn < 0) _exit(10);
    char buf[16384];
    iovec iov{buf, sizeof(buf)};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    const ssize_t n = recvmsg(conn, &msg, 0);
    const cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    if (n <= 0 || cmsg == nullptr || cmsg->cmsg_type != SCM_RIGHTS) _exit(11);
    int fd = -1;
    std::memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
    std::ofstream(state_file) << std::string(buf, static_cast<size_t>(n));
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 30000) <= 0 || (p.revents & POLLHUP)) _exit(0);
        seccomp_notif req{};
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) _exit(0);
        seccomp_notif_resp resp{};
        resp.id = req.id;
        ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    }
}

class SeccompNotifyContainer : public IntegrationTest {};

TEST_F(SeccompNotifyContainer, AgentAnswersNotifiedMkdir) {
    const std::string socket_path = dir() + "/agent.sock";
    const std::string state_file = dir() + "/agent-state.json";
    const int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, socket_path.c_str());
    ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ASSERT_EQ(listen(listener, 1), 0);
    const pid_t agent_pid = fork();
    if (agent_pid == 0) agent(listener, state_file);
    close(listener);

    auto bundle = make_bundle();
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    s.listenerPath = socket_path;
    s.listenerMetadata = "berth-test-metadata";
    s.syscalls.push_back(oci::SeccompSyscall{{"mkdir", "mkdirat"}, "SCMP_ACT_NOTIFY", std::nullopt, {}});
    bundle.spec.linux->seccomp = s;
    bundle.spec.process->args = {"/bin/sh", "-c", "mkdir /tmp/notified; echo mkdir-rc=$?; [ -d /tmp/notified ] || echo absent"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());

    int status = 0;
    if (waitpid(agent_pid, &status, WNOHANG) == 0) {
        kill(agent_pid, SIGKILL);
        waitpid(agent_pid, &status, 0);
    }
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.out.find("mkdir-rc=0"), std::string::npos) << r.describe();
    EXPECT_NE(r.out.find("absent"), std::string::npos) << r.describe();
    EXPECT_FALSE(std::filesystem::exists(bundle.rootfs() + "/tmp/notified"));
    std::string state;
    std::getline(std::ifstream(state_file), state);
    EXPECT_NE(state.find(R"("fds":["seccompFd"])"), std::string::npos) << state;
    EXPECT_NE(state.find(R"("metadata":"berth-test-metadata")"), std::string::npos) << state;
    EXPECT_NE(state.find("\"id\":\"" + last_id() + "\""), std::string::npos) << state;
}

}  // namespace
}  // namespace berth::test
