// The count of fds the caller handed berth (process/plan.hpp): consecutive
// from 3, and berth's own re-exec'd mount fd (self_protect.hpp) ends it like a
// gap, so --preserve-fds can never pass it on as one of the caller's.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include "berth/process/plan.hpp"

namespace bp = berth::process;

namespace {

// How many fds note_inherited_fds counted, seen through check_inherited_fds.
int counted() {
    int n = 0;
    while (bp::check_inherited_fds(0, n + 1)) ++n;
    return n;
}

}  // namespace

TEST(InheritedFds, OursEndsTheCountLikeAGap) {
    bp::note_inherited_fds(-1);
    const int before = counted();
    // The first free fd from 3: right after the run.
    const int next = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    ASSERT_EQ(next, 3 + before);
    bp::note_inherited_fds(-1);
    EXPECT_EQ(counted(), before + 1);  // an fd there counts
    bp::note_inherited_fds(next);
    EXPECT_EQ(counted(), before);  // unless it is ours
    close(next);
    bp::note_inherited_fds(-1);
    EXPECT_EQ(counted(), before);
}
