// launch(): a child it cloned never outlives a failed launch. The one return
// between clone and the rest of the launch (restoring berth's own namespaces
// after cloning from inside the container's) is provoked through the syscall
// seam: the namespace is "entered" (a fake setns), the way back refused.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "berth/linux/syscalls.hpp"
#include "berth/process/launch.hpp"

namespace {

namespace bl = berth::linux_setup;
namespace bp = berth::process;

int g_join_fd = -1;     // the "container's" namespace: entered without complaint
int g_pid_pipe[2];      // the child says its pid here, then waits to be killed

int enter_but_never_return(int fd, int) noexcept {
    if (fd == g_join_fd) return 0;
    errno = EPERM;
    return -1;
}

void report_pid_and_wait(bp::ChildPlan&) noexcept {
    const pid_t pid = ::getpid();
    (void)!::write(g_pid_pipe[1], &pid, sizeof(pid));
    for (;;) ::pause();
}

TEST(Launch, AFailureRightAfterCloneLeavesNoChild) {
    ASSERT_EQ(::pipe2(g_pid_pipe, O_CLOEXEC), 0);
    berth::UniqueFd pid_read(g_pid_pipe[0]), pid_write(g_pid_pipe[1]);
    bl::Syscalls sys = bl::kSystemCalls;
    sys.setns = enter_but_never_return;
    bp::ChildPlan plan;
    plan.namespaces.sys = &sys;
    berth::UniqueFd ns(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    g_join_fd = ns.get();
    plan.namespaces.parent_joins.push_back({oci::NamespaceType::network, CLONE_NEWNET, "/proc/1/ns/net", std::move(ns)});

    auto launched = bp::launch(plan, bp::ParentSteps{}, report_pid_and_wait);
    ASSERT_FALSE(launched.ok()) << "the way back was refused";
    EXPECT_NE(launched.error().what().find("restore our own namespace"), std::string::npos) << launched.error().what();

    // Only a kill ends the child: EOF (it died before saying its pid) means
    // the guard killed it, and the guard reaps what it kills.
    pid_write.reset();
    pid_t child = -1;
    if (::read(pid_read.get(), &child, sizeof(child)) != sizeof(child)) return;
    errno = 0;
    const pid_t waited = ::waitpid(child, nullptr, WNOHANG);
    EXPECT_EQ(errno, ECHILD) << "child " << child << " outlived the failed launch";
    if (waited == 0) {
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
    }
}

}  // namespace
