// Writes berth makes into /proc for the container must reach the real procfs.
//   CVE-2025-52881: a /proc write (sysctl, LSM label) redirected by mounts in
//     the container: here a bind of a plain file over the sysctl's /proc path.
//     A vulnerable runtime writes into the file; berth writes the real sysctl.
//   CVE-2019-16884: a volume over /proc/self/attr: labels are written only
//     through a verified private procfs (and refused where the LSM is off,
//     see container_security_test.cpp).
#include <filesystem>
#include <fstream>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

namespace fs = std::filesystem;

class ProcWrites : public IntegrationTest {};

TEST_F(ProcWrites, SysctlIsNotRedirectedByAMountOverProc) {
    auto bundle = make_bundle();
    const std::string decoy = bundle.path() + "/decoy";
    std::ofstream(decoy) << "untouched\n";
    bundle.spec.linux->sysctl["net.ipv4.ip_forward"] = "1";
    // The network namespace makes the sysctl the container's own.
    bool has_netns = false;
    for (const auto& ns : bundle.spec.linux->namespaces) has_netns |= ns.type == oci::NamespaceType::network;
    if (!has_netns) bundle.spec.linux->namespaces.push_back(oci::Namespace{oci::NamespaceType::network, std::nullopt});
    oci::Mount m;
    m.destination = "/proc/sys/net/ipv4/ip_forward";
    m.type = "bind";
    m.source = decoy;
    m.options = {"bind"};
    bundle.spec.mounts.push_back(m);
    bundle.spec.process->args = {"/bin/sh", "-c", "cat /proc/sys/net/ipv4/ip_forward"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    std::string content;
    std::getline(std::ifstream(decoy), content);
    EXPECT_EQ(content, "untouched") << "the sysctl write went into the bind-mounted file\n" << r.describe();
}

}  // namespace
}  // namespace berth::test
