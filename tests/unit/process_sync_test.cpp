// The state datagram after `go` (process/sync.hpp): the child receives the
// state bytes and the `tasks` fds the parent made after clone; more fds than
// it has room for is an error, never a silent loss of a cgroup to join.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "berth/process/sync.hpp"
#include "berth/util/fd.hpp"
#include "berth/util/fd_passing.hpp"

namespace bp = berth::process;

namespace {

struct Pair {
    berth::UniqueFd parent, child;
    Pair() {
        int fds[2];
        EXPECT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
        parent.reset(fds[0]);
        child.reset(fds[1]);
    }
};

// What the parent's send_state does: one datagram, `fds` as SCM_RIGHTS.
void send_state(int sock, const std::string& state, const std::vector<int>& fds) {
    ASSERT_EQ(berth::send_with_fds(sock, state.data(), state.size(), fds), static_cast<ssize_t>(state.size()));
}

}  // namespace

TEST(SyncState, CarriesTheStateAndTheTasksFiles) {
    Pair p;
    berth::UniqueFd a(open("/dev/null", O_WRONLY | O_CLOEXEC)), b(open("/dev/null", O_WRONLY | O_CLOEXEC));
    send_state(p.parent.get(), std::string("{}\0{}", 5), {a.get(), b.get()});
    char buf[64];
    berth::UniqueFd fds[bp::kMaxGoTasks];
    size_t nfds = 99;
    berth::ChildError err;
    ASSERT_EQ(bp::receive_state(p.child.get(), buf, sizeof(buf), fds, nfds, err), 5) << err.message;
    EXPECT_EQ(std::string(buf, 5), std::string("{}\0{}", 5));
    ASSERT_EQ(nfds, 2u);
    for (size_t i = 0; i < nfds; ++i) {
        EXPECT_EQ(write(fds[i].get(), "0", 1), 1);  // open for writing, as a tasks file must be
        EXPECT_NE(fcntl(fds[i].get(), F_GETFD) & FD_CLOEXEC, 0) << "a received fd must not reach the container";
    }
}

TEST(SyncState, WithoutFdsReceivesNone) {
    Pair p;
    send_state(p.parent.get(), std::string(1, '\0'), {});
    char buf[8];
    berth::UniqueFd fds[bp::kMaxGoTasks];
    size_t nfds = 99;
    berth::ChildError err;
    EXPECT_EQ(bp::receive_state(p.child.get(), buf, sizeof(buf), fds, nfds, err), 1);
    EXPECT_EQ(nfds, 0u);
}

TEST(SyncState, MoreFdsThanRoomIsAnError) {
    Pair p;
    berth::UniqueFd null(open("/dev/null", O_WRONLY | O_CLOEXEC));
    send_state(p.parent.get(), "x", std::vector<int>(bp::kMaxGoTasks + 8, null.get()));
    char buf[8];
    berth::UniqueFd fds[bp::kMaxGoTasks];
    size_t nfds = 99;
    berth::ChildError err;
    EXPECT_EQ(bp::receive_state(p.child.get(), buf, sizeof(buf), fds, nfds, err), -1);
    EXPECT_NE(std::string(err.message).find("too many fds"), std::string::npos) << err.message;
    EXPECT_EQ(nfds, 0u);
    for (const auto& fd : fds) EXPECT_FALSE(fd) << "every fd that came is closed";
}
