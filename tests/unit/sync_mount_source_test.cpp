// The mount_source round trip of the parent <-> child protocol (sync.hpp):
// the child's request names the mount, the parent's answer carries the tree fd.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "berth/process/sync.hpp"
#include "berth/util/fd.hpp"

namespace berth::process {
namespace {

struct Pair {
    UniqueFd parent, child;
    Pair() {
        int fds[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
        parent.reset(fds[0]);
        child.reset(fds[1]);
    }
};

TEST(SyncMountSource, RequestNamesTheMountAndGetsTheParentsFd) {
    Pair pair;
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
    // The answer is queued first so that one thread can play both sides.
    ASSERT_TRUE(send_mount_source(pair.parent.get(), write_end.get()));
    ChildError err;
    UniqueFd received(request_mount_source(pair.child.get(), 7, err));
    ASSERT_TRUE(received) << err.message;
    struct stat sent_st {}, received_st {};
    ASSERT_EQ(::fstat(write_end.get(), &sent_st), 0);
    ASSERT_EQ(::fstat(received.get(), &received_st), 0);
    EXPECT_EQ(sent_st.st_ino, received_st.st_ino);  // the same pipe, passed by SCM_RIGHTS
    EXPECT_TRUE(::fcntl(received.get(), F_GETFD) & FD_CLOEXEC);

    SyncMessage request;
    ASSERT_EQ(::recv(pair.parent.get(), &request, sizeof(request), 0), static_cast<ssize_t>(sizeof(request)));
    EXPECT_EQ(request.type, SyncType::mount_source);
    EXPECT_EQ(request.index, 7u);
}

TEST(SyncMountSource, AnAnswerWithoutAnFdIsAnError) {
    Pair pair;
    ChildError err;
    ASSERT_TRUE(send_sync(pair.parent.get(), SyncType::hooks_done, err));
    EXPECT_EQ(request_mount_source(pair.child.get(), 0, err), -1);
    EXPECT_STREQ(err.message, "sync with parent: receive mount source");
    pair.parent.reset();
    EXPECT_EQ(request_mount_source(pair.child.get(), 0, err), -1);  // parent gone: no answer
}

}  // namespace
}  // namespace berth::process
