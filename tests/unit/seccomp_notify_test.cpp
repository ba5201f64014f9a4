// SCMP_ACT_NOTIFY end to end in one process tree: a filtered child hands its
// notify fd over with send_fd(), we forward it to a listener socket with
// send_to_seccomp_listener() exactly as the parent does, and the "agent" end
// answers the child's notified mkdir.
#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "berth/linux/seccomp.hpp"
#include "berth/linux/seccomp_notify.hpp"
#include "berth/util/fd_passing.hpp"
#include "oci/parser.hpp"

namespace bl = berth::linux_setup;

namespace {

// The listener side: accepts one connection and returns the JSON and the fd.
std::pair<std::string, berth::UniqueFd> accept_state(int listener) {
    berth::UniqueFd conn(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    EXPECT_TRUE(conn.valid());
    char buf[8192];
    iovec iov{buf, sizeof(buf)};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    const ssize_t n = recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC);
    EXPECT_GT(n, 0);
    const cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    int fd = -1;
    if (cmsg != nullptr && cmsg->cmsg_type == SCM_RIGHTS) std::memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
    return {std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), berth::UniqueFd(fd)};
}

// A runtime state document as the parent passes it to the listener.
oci::State state_of(const std::string& id, const std::string& status, int pid, const std::string& bundle) {
    oci::State state;
    state.ociVersion = "1.3.0";
    state.id = id;
    state.status = status;
    state.pid = pid;
    state.bundle = bundle;
    return state;
}

}  // namespace

TEST(SeccompNotify, ContainerProcessStateDocument) {
    const oci::State state = state_of("c1", "creating", 42, "/b");
    const std::string json = bl::container_process_state_json(43, state, "MKDIR=\"x\"\n");
    EXPECT_NE(json.find(R"("fds":["seccompFd"])"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("pid":43)"), std::string::npos) << json;  // the process, not the init
    EXPECT_NE(json.find(R"("metadata":"MKDIR=\"x\"\n")"), std::string::npos) << json;
    // The embedded state is the runtime state document.
    const size_t at = json.find(R"("state":{)");
    ASSERT_NE(at, std::string::npos) << json;
    ASSERT_EQ(json.back(), '}');
    auto inner = oci::parse_state(json.substr(at + 8, json.size() - at - 9));
    ASSERT_TRUE(inner) << inner.error().what();
    EXPECT_EQ(inner->id, "c1");
    EXPECT_EQ(inner->pid, 42);
    EXPECT_EQ(inner->status, "creating");
}

// The whole document through oci-spec's reader: runc's key order, and
// metadata omitted when the profile has none (runtime-spec's omitempty).
TEST(SeccompNotify, ContainerProcessStateRoundTrips) {
    const oci::State state = state_of("c1", "running", 42, "/b");
    const std::string bare = bl::container_process_state_json(43, state, "");
    EXPECT_EQ(bare.rfind(R"({"ociVersion":")", 0), 0u) << bare;
    EXPECT_EQ(bare.find("metadata"), std::string::npos) << bare;
    auto parsed = oci::parse_container_process_state(bl::container_process_state_json(43, state, "m"));
    ASSERT_TRUE(parsed) << parsed.error().what();
    EXPECT_EQ(parsed->fds, std::vector<std::string>{"seccompFd"});
    EXPECT_EQ(parsed->pid, 43);
    EXPECT_EQ(parsed->metadata, "m");
    EXPECT_EQ(parsed->state, state);
}

TEST(SeccompNotify, ListenerAnswersNotifiedMkdir) {
    oci::Seccomp profile;
    profile.defaultAction = "SCMP_ACT_ALLOW";
    profile.listenerPath = "/run/berth-test-agent.sock";  // required; the test forwards the fd itself
    profile.syscalls.push_back(oci::SeccompSyscall{{"mkdir", "mkdirat"}, "SCMP_ACT_NOTIFY", std::nullopt, {}});
    auto prog = bl::compile_seccomp(profile);
    ASSERT_TRUE(prog) << prog.error().what();
    ASSERT_TRUE(prog->notify);

    int sync[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync), 0);
    char dir_template[] = "/tmp/berth-notify-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    const std::string dir = dir_template;
    const std::string target = dir + "/made-by-agent";

    const pid_t pid = fork();
    if (pid == 0) {
        close(sync[0]);
        berth::ChildError err;
        int notify = -1;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || !bl::load_seccomp(*prog, &notify, err) || notify < 0)
            _exit(100);
        if (!berth::send_fd(sync[1], notify, "the seccomp notify fd", err)) _exit(101);
        close(notify);
        // The agent says 0 without creating anything: proof the answer came from it.
        if (mkdir(target.c_str(), 0755) != 0) _exit(102);
        struct stat st {};
        _exit(stat(target.c_str(), &st) == 0 ? 103 : 0);
    }
    close(sync[1]);
    auto fd = berth::receive_fd(sync[0], "the seccomp notify fd");
    close(sync[0]);
    ASSERT_TRUE(fd) << fd.error().what();

    const std::string socket_path = dir + "/agent.sock";
    berth::UniqueFd listener(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, socket_path.c_str());
    ASSERT_EQ(bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ASSERT_EQ(listen(listener.get(), 1), 0);
    const oci::State state = state_of("notify-test", "creating", pid, dir);
    ASSERT_TRUE(bl::send_to_seccomp_listener(socket_path, fd->get(), state, "meta"));
    fd->reset();
    auto [json, agent_fd] = accept_state(listener.get());
    EXPECT_NE(json.find(R"("metadata":"meta")"), std::string::npos) << json;
    EXPECT_NE(json.find("\"pid\":" + std::to_string(pid)), std::string::npos) << json;
    ASSERT_TRUE(agent_fd.valid());

    seccomp_notif req{};
    ASSERT_EQ(ioctl(agent_fd.get(), SECCOMP_IOCTL_NOTIF_RECV, &req), 0) << std::strerror(errno);
    EXPECT_EQ(static_cast<pid_t>(req.pid), pid);
    seccomp_notif_resp resp{};
    resp.id = req.id;
    resp.val = 0;
    resp.error = 0;
    ASSERT_EQ(ioctl(agent_fd.get(), SECCOMP_IOCTL_NOTIF_SEND, &resp), 0) << std::strerror(errno);

    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    std::filesystem::remove_all(dir);
}

TEST(SeccompNotify, UnreachableListenerNamesThePath) {
    oci::State state;
    auto r = bl::send_to_seccomp_listener("/nonexistent-berth/agent.sock", 0, state, "");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().what(),
              "failed to connect with seccomp agent specified in the seccomp profile: seccomp listener "
              "\"/nonexistent-berth/agent.sock\": connect: No such file or directory");
}
