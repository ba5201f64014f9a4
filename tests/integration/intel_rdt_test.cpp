// linux.intelRdt on a host without resctrl (this one): refused with runc's
// words under the JSON path, nothing left behind. The resctrl logic itself is
// unit-tested on a prepared tree (tests/unit/resctrl_test.cpp).
#include "berth/linux/resctrl.hpp"
#include "harness/harness.hpp"

namespace berth::test {
namespace {

TEST_F(IntegrationTest, IntelRdtWithoutResctrlIsRefused) {
    if (linux_setup::resctrl_root()) GTEST_SKIP() << "resctrl is mounted here";
    auto bundle = make_bundle();
    oci::IntelRdt rdt;
    rdt.l3CacheSchema = "L3:0=f";
    bundle.spec.linux->intelRdt = rdt;
    bundle.spec.process->args = {"true"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("linux.intelRdt: intelRdt is specified in config, but Intel RDT is not enabled"), std::string::npos)
        << r.describe();
    EXPECT_NE(run_berth("state", last_id()).exit_code, 0);
}

}  // namespace
}  // namespace berth::test
