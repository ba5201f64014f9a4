// Stdio on the host's /dev/null (what containerd's shim, conmon and Docker give
// a container without stdin) must become the container's own /dev/null, as
// runc's reOpenDevNull does: otherwise the container reaches a host device
// node through /proc/self/fd and can chmod/chown it. Found through Docker
// (conformance/clients/docker).
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

TEST_F(IntegrationTest, StdioOnTheHostsNullDeviceIsNotReachableFromTheContainer) {
    // A null device node of the test's own stands in for the host's /dev/null.
    const std::string node = dir() + "/null";
    ASSERT_EQ(::mknod(node.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0) << std::strerror(errno);
    ASSERT_EQ(::chmod(node.c_str(), 0666), 0) << std::strerror(errno);  // whatever the umask
    auto bundle = make_bundle();
    bundle.spec.process->args = {"/bin/sh", "-c", "chmod 600 /proc/self/fd/0 /proc/self/fd/2; echo done"};
    bundle.write();
    // stdin and stderr on the node, stdout captured.
    auto r = run_command({"/bin/sh", "-c", "exec \"$@\" <\"$0\" 2<>\"$0\"", node, runtime(), "--root",
                          state_root(), "run", "--bundle", bundle.path(), last_id()},
                         dir() + "/run");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "done\n");
    struct stat st {};
    ASSERT_EQ(::stat(node.c_str(), &st), 0) << std::strerror(errno);
    EXPECT_EQ(st.st_mode & 07777, 0666u) << "the container changed a host device node through its stdio";
}

}  // namespace
}  // namespace berth::test
