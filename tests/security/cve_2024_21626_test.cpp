// CVE-2024-21626: a host directory fd leaked into the container's init plus
// `cwd: /proc/self/fd/N` gave the process a working directory on the host.
// Every N must either be refused or leave the process inside the container,
// and the container's process must hold no fd above 2 at all.
#include "harness/harness.hpp"

namespace berth::test {
namespace {

class Cve2024_21626 : public IntegrationTest {};

TEST_F(Cve2024_21626, CwdThroughProcSelfFdStaysInside) {
    for (int fd = 3; fd <= 12; ++fd) {
        auto bundle = make_bundle();
        bundle.spec.process->cwd = "/proc/self/fd/" + std::to_string(fd);
        bundle.spec.process->args = {"/bin/sh", "-c", "pwd; ls -d ../../../../../../bin/probe"};
        bundle.write();
        auto r = run_berth("run", "--bundle", bundle.path(), last_id());
        if (r.exit_code != 0) {
            // Refused, and because of the cwd (berth: not followed, ELOOP, or
            // no such fd; runc: "mkdir /proc/self/fd/N: not a directory"), not
            // for a reason that would prove nothing: the error names it.
            const std::string cwd = "/proc/self/fd/" + std::to_string(fd);
            EXPECT_NE(r.err.find(cwd), std::string::npos) << "fd " << fd << ": " << r.describe();
            continue;
        }
        // Started: the cwd must be a directory of the container's own tree,
        // from which ../.. reaches the container's root (it has /bin/probe).
        EXPECT_EQ(r.out.find("(unreachable)"), std::string::npos) << "fd " << fd << ": " << r.describe();
        EXPECT_NE(r.out.find("bin/probe"), std::string::npos) << "fd " << fd << ": " << r.describe();
    }
}

TEST_F(Cve2024_21626, NoFdAbove2ReachesTheProcess) {
    auto bundle = make_bundle();
    auto report = run_probe(bundle);
    for (const auto& [fd, target] : report.fds()) EXPECT_LE(fd, 2) << "leaked fd " << fd << " -> " << target;
}

}  // namespace
}  // namespace berth::test
