// linux.netDevices: a host device moved into the container's network
// namespace before its process starts, renamed, up, with its permanent global
// addresses. This kernel has no dummy links: each test makes a veth pair and
// passes one end; whatever is left on the host is removed afterwards (the end
// moved into the container goes with its namespace, and its peer with it).
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

class NetDevices : public IntegrationTest {
protected:
    void SetUp() override {
        IntegrationTest::SetUp();
        std::string tag = std::to_string(::getpid() % 100000);
        host_end_ = "btv" + tag + "a";
        peer_ = "btv" + tag + "b";
        ASSERT_EQ(ip({"link", "add", host_end_, "type", "veth", "peer", "name", peer_}).exit_code, 0);
        ASSERT_EQ(ip({"addr", "add", "10.213.7.2/24", "dev", host_end_}).exit_code, 0);
        ASSERT_EQ(ip({"addr", "add", "fd00:213::2/64", "dev", host_end_, "nodad"}).exit_code, 0);
    }
    void TearDown() override {
        for (const std::string& name : {host_end_, peer_}) {
            if (ip({"link", "show", name}).exit_code == 0) ip({"link", "del", name});
        }
        IntegrationTest::TearDown();
    }

    RunResult ip(std::vector<std::string> args) {
        args.insert(args.begin(), "ip");
        return run_command(args, dir() + "/ip-" + std::to_string(++ip_runs_));
    }

    // Runs `args` in a container that gets `devices`.
    RunResult run_with(const std::map<std::string, oci::NetDevice>& devices, std::vector<std::string> args) {
        auto bundle = make_bundle();
        bundle.spec.process->args = std::move(args);
        bundle.spec.linux->netDevices = devices;
        bundle.write();
        return run_berth("run", "--bundle", bundle.path(), last_id());
    }

    std::string host_end_, peer_;
    int ip_runs_ = 0;
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_F(NetDevices, MovedRenamedUpWithItsAddresses) {
    auto r = run_with({{host_end_, oci::NetDevice{"ctr0"}}}, {"ip", "addr", "show", "dev", "ctr0"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(has(r.out, "ctr0@")) << r.out;  // a veth shows its peer's index
    EXPECT_TRUE(has(r.out, ",UP")) << r.out;    // administratively up (its peer is down: no LOWER_UP)
    EXPECT_TRUE(has(r.out, "inet 10.213.7.2/24 brd 10.213.7.255 scope global ctr0")) << r.out;
    EXPECT_TRUE(has(r.out, "inet6 fd00:213::2/64 scope global")) << r.out;
    // gone from the host, and not moved back when the container is deleted
    EXPECT_NE(ip({"link", "show", host_end_}).exit_code, 0);
    EXPECT_NE(ip({"link", "show", "ctr0"}).exit_code, 0);
}

TEST_F(NetDevices, KeepsItsNameWithoutOne) {
    auto r = run_with({{host_end_, oci::NetDevice{}}}, {"ip", "-o", "link", "show", "dev", host_end_});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(has(r.out, host_end_ + "@")) << r.out;
}

// A joined namespace (its path, a namespace bound to a file): the device goes there and, as the
// spec says, stays when the container is deleted; the namespace's owner decides its fate.
TEST_F(NetDevices, IntoAJoinedNamespaceAndLeftThere) {
    const std::string netns = dir() + "/netns";
    { std::ofstream(netns) << ""; }
    ASSERT_EQ(run_command({"unshare", "--net=" + netns, "true"}, dir() + "/unshare").exit_code, 0);
    auto bundle = make_bundle();
    for (auto& n : bundle.spec.linux->namespaces)
        if (n.type == oci::NamespaceType::network) n.path = netns;
    bundle.spec.linux->netDevices = {{host_end_, oci::NetDevice{"ctr1"}}};
    bundle.spec.process->args = {"ip", "-o", "addr", "show", "dev", "ctr1"};
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(has(r.out, "inet 10.213.7.2/24")) << r.out;
    auto left = run_command({"nsenter", "--net=" + netns, "ip", "link", "show", "ctr1"}, dir() + "/nsenter");
    EXPECT_EQ(left.exit_code, 0) << "still in the namespace after delete: " << left.describe();
    EXPECT_EQ(::umount2(netns.c_str(), MNT_DETACH), 0);  // the namespace goes, and the device with it
}

TEST_F(NetDevices, ErrorsNameTheDevice) {
    auto r = run_with({{"btv-missing0", oci::NetDevice{}}}, {"true"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "linux.netDevices.btv-missing0: link not found for interface btv-missing0 on runtime namespace"))
        << r.describe();
    EXPECT_NE(run_berth("state", last_id()).exit_code, 0) << "a failed create leaves nothing";

    // "lo" exists in every new network namespace (stderr is logrus-formatted: quotes come escaped)
    r = run_with({{host_end_, oci::NetDevice{"lo"}}}, {"true"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "linux.netDevices." + host_end_ + ": network device name") && has(r.err, "lo\\\" is already taken")) << r.describe();
    EXPECT_EQ(ip({"link", "show", host_end_}).exit_code, 0) << "refused before it was moved";

    auto bundle = make_bundle();
    auto& ns = bundle.spec.linux->namespaces;
    ns.erase(std::remove_if(ns.begin(), ns.end(), [](const oci::Namespace& n) { return n.type == oci::NamespaceType::network; }),
             ns.end());
    bundle.spec.linux->netDevices = {{host_end_, oci::NetDevice{}}};
    bundle.write();
    r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "linux.netDevices." + host_end_ + ": unable to move network devices without a NET namespace"))
        << r.describe();

    r = run_with({{host_end_, oci::NetDevice{"a/b"}}}, {"true"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "linux.netDevices." + host_end_ + ".name: invalid network device name")) << r.describe();
}

}  // namespace
}  // namespace berth::test
