// CVE-2022-29162: `exec --cap` must not put the added capabilities into the
// inheritable set (where ambient-less programs with file capabilities could
// pick them up across execve).
#include <algorithm>

#include "harness/harness.hpp"
#include "harness/probe_report.hpp"

namespace berth::test {
namespace {

class Cve2022_29162 : public IntegrationTest {};

TEST_F(Cve2022_29162, ExecCapIsNotInheritable) {
    auto bundle = make_bundle();
    bundle.spec.process->args = {"/bin/sleep", "60"};
    bundle.write();
    const std::string id = last_id();
    auto r = run_berth("run", "--detach", "--bundle", bundle.path(), id);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto e = run_berth("exec", "--cap", "CAP_NET_RAW", id, "/bin/probe");
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
    ASSERT_EQ(e.exit_code, 0) << e.describe();
    auto report = ProbeReport::parse(e.out);
    EXPECT_TRUE(report.capabilities("inheritable").empty());
    const auto eff = report.capabilities("effective");
    EXPECT_NE(std::find(eff.begin(), eff.end(), "CAP_NET_RAW"), eff.end());
}

}  // namespace
}  // namespace berth::test
