// util/fd_passing: fds sent with a message arrive owned, several or none;
// more than the receiver has room for are all closed and said so; a message
// longer than the buffer says it was cut (what CRIU's reader refuses).
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "berth/util/fd.hpp"
#include "berth/util/fd_passing.hpp"

namespace {

using berth::ReceivedMessage;
using berth::UniqueFd;

struct Pair {
    UniqueFd a, b;
    explicit Pair(int type = SOCK_SEQPACKET) {
        int fds[2];
        EXPECT_EQ(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds), 0);
        a.reset(fds[0]);
        b.reset(fds[1]);
    }
};

// How many fds this process holds: a leak shows as one more.
int open_fds() {
    DIR* dir = opendir("/proc/self/fd");
    int n = 0;
    while (readdir(dir) != nullptr) ++n;
    closedir(dir);
    return n;
}

ino_t inode(int fd) {
    struct stat st {};
    EXPECT_EQ(fstat(fd, &st), 0);
    return st.st_ino;
}

// Distinct files to send (each end of a few pipes).
std::vector<UniqueFd> pipes(int count) {
    std::vector<UniqueFd> ends;
    for (int i = 0; i < count; ++i) {
        int p[2];
        EXPECT_EQ(pipe2(p, O_CLOEXEC), 0);
        ends.emplace_back(p[0]);
        ends.emplace_back(p[1]);
    }
    return ends;
}

std::vector<int> raw(const std::vector<UniqueFd>& fds) {
    std::vector<int> out;
    for (const UniqueFd& fd : fds) out.push_back(fd.get());
    return out;
}

// A sendmsg that is not limited to kMaxPassedFds (the kernel allows 253).
void send_many(int sock, const std::vector<int>& fds) {
    char byte = 'x';
    iovec iov{&byte, 1};
    std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    ASSERT_EQ(sendmsg(sock, &msg, 0), 1);
}

TEST(FdPassing, SeveralFdsArriveInOrderOwnedAndCloseOnExec) {
    Pair p;
    const std::vector<UniqueFd> sent = pipes(2);  // 4 fds
    ASSERT_EQ(berth::send_with_fds(p.a.get(), "state", 5, raw(sent)), 5);
    char buf[16];
    UniqueFd fds[6];
    const ReceivedMessage got = berth::receive_with_fds(p.b.get(), buf, sizeof(buf), fds);
    ASSERT_EQ(got.size, 5);
    EXPECT_TRUE(got.whole());
    EXPECT_EQ(std::string(buf, 5), "state");
    ASSERT_EQ(got.fds, sent.size());
    for (size_t i = 0; i < sent.size(); ++i) {
        EXPECT_EQ(inode(fds[i].get()), inode(sent[i].get())) << i;
        EXPECT_NE(fcntl(fds[i].get(), F_GETFD) & FD_CLOEXEC, 0) << "a received fd must not reach an exec'd program";
    }
    EXPECT_FALSE(fds[4]);
    EXPECT_FALSE(fds[5]);
}

TEST(FdPassing, AMessageWithoutFdsFillsNone) {
    Pair p;
    ASSERT_EQ(berth::send_with_fds(p.a.get(), "go", 2, {}), 2);
    char buf[8];
    UniqueFd fds[2];
    const int before = open_fds();
    const ReceivedMessage got = berth::receive_with_fds(p.b.get(), buf, sizeof(buf), fds);
    EXPECT_EQ(got.size, 2);
    EXPECT_TRUE(got.whole());
    EXPECT_EQ(got.fds, 0u);
    EXPECT_FALSE(fds[0]);
    EXPECT_EQ(open_fds(), before);
}

// The receiver had room for two: the three that came are all closed (none
// half-kept), and the payload is still there.
TEST(FdPassing, MoreFdsThanRoomAreAllClosed) {
    Pair p;
    const std::vector<UniqueFd> sent = pipes(2);
    ASSERT_EQ(berth::send_with_fds(p.a.get(), "x", 1, std::vector<int>{sent[0].get(), sent[1].get(), sent[2].get()}), 1);
    char buf[4];
    UniqueFd fds[2];
    const int before = open_fds();
    const ReceivedMessage got = berth::receive_with_fds(p.b.get(), buf, sizeof(buf), fds);
    EXPECT_EQ(got.size, 1);
    EXPECT_TRUE(got.fds_lost);
    EXPECT_FALSE(got.whole());
    EXPECT_EQ(got.fds, 0u);
    EXPECT_FALSE(fds[0]);
    EXPECT_FALSE(fds[1]);
    EXPECT_EQ(open_fds(), before) << "a received fd leaked";
}

// More than the control buffer holds: the kernel drops the rest (MSG_CTRUNC)
// and the ones it did install are closed too.
TEST(FdPassing, MoreFdsThanAnyMessageHoldsAreAllClosed) {
    Pair p;
    const std::vector<UniqueFd> sent = pipes(static_cast<int>(berth::kMaxPassedFds));  // twice the limit
    send_many(p.a.get(), raw(sent));
    char buf[4];
    std::vector<UniqueFd> fds(berth::kMaxPassedFds);
    const int before = open_fds();
    const ReceivedMessage got = berth::receive_with_fds(p.b.get(), buf, sizeof(buf), fds);
    EXPECT_EQ(got.size, 1);
    EXPECT_TRUE(got.fds_lost);
    EXPECT_EQ(got.fds, 0u);
    for (const UniqueFd& fd : fds) EXPECT_FALSE(fd);
    EXPECT_EQ(open_fds(), before) << "a received fd leaked";
}

TEST(FdPassing, SendingMoreThanTheLimitIsRefused) {
    Pair p;
    const std::vector<int> many(berth::kMaxPassedFds + 1, STDIN_FILENO);
    errno = 0;
    EXPECT_EQ(berth::send_with_fds(p.a.get(), "x", 1, many), -1);
    EXPECT_EQ(errno, EINVAL);
}

// A datagram longer than the buffer: cut, said so, its fd still owned; the
// next datagram is whole.
TEST(FdPassing, ATruncatedMessageSaysSo) {
    Pair p;
    const std::vector<UniqueFd> sent = pipes(1);
    ASSERT_EQ(berth::send_with_fd(p.a.get(), "0123456789", 10, sent[0].get()), 10);
    ASSERT_EQ(berth::send_with_fds(p.a.get(), "next", 4, {}), 4);
    char buf[4];
    UniqueFd fd;
    ReceivedMessage got = berth::receive_with_fds(p.b.get(), buf, sizeof(buf), {&fd, 1});
    EXPECT_EQ(got.size, 4);
    EXPECT_TRUE(got.truncated);
    EXPECT_FALSE(got.whole());
    ASSERT_EQ(got.fds, 1u);
    EXPECT_EQ(inode(fd.get()), inode(sent[0].get()));
    got = berth::receive_with_fds(p.b.get(), buf, sizeof(buf), {&fd, 1});
    EXPECT_EQ(got.size, 4);
    EXPECT_TRUE(got.whole());
    EXPECT_EQ(std::string(buf, 4), "next");
}

TEST(FdPassing, TheEndOfTheStreamIsAWholeEmptyMessage) {
    Pair p;
    p.a.reset();
    char buf[4];
    UniqueFd fd;
    const ReceivedMessage got = berth::receive_with_fds(p.b.get(), buf, sizeof(buf), {&fd, 1});
    EXPECT_EQ(got.size, 0);
    EXPECT_TRUE(got.whole());
    EXPECT_EQ(got.fds, 0u);
}

TEST(FdPassing, ReceiveFdWantsExactlyOne) {
    Pair p(SOCK_STREAM);
    const std::vector<UniqueFd> sent = pipes(1);
    berth::ChildError err;
    ASSERT_TRUE(berth::send_fd(p.a.get(), sent[1].get(), "the pty master", err)) << err.message;
    auto one = berth::receive_fd(p.b.get(), "the pty master");
    ASSERT_TRUE(one) << one.error().what();
    EXPECT_EQ(inode(one->get()), inode(sent[1].get()));

    ASSERT_EQ(berth::send_with_fds(p.a.get(), "S", 1, raw(sent)), 1);
    const int before = open_fds();
    auto two = berth::receive_fd(p.b.get(), "the pty master");
    ASSERT_FALSE(two);
    EXPECT_EQ(two.error().what(), "receive the pty master: the message carried more than one fd");
    EXPECT_EQ(open_fds(), before);

    ASSERT_EQ(berth::send_with_fds(p.a.get(), "S", 1, {}), 1);
    auto none = berth::receive_fd(p.b.get(), "the pty master");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().what(), "receive the pty master: the message carried no fd");
}

}  // namespace
