// An idmapped bind mount in a container with its own user namespace (podman's
// `--uidmap ... -v SRC:DST:idmap`, which names no mappings of its own, so the
// container's are used): only the parent can idmap the source, the
// namespace's root gets EPERM from mount_setattr.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

class IdmapInUserNamespace : public IntegrationTest {};

TEST_F(IdmapInUserNamespace, BindTakesTheContainersMappings) {
    if (!runtime_is_berth()) GTEST_SKIP() << "runc 1.1 ignores the idmap option (runtime-spec 1.2)";
    const std::string source = dir() + "/idmapped";
    ASSERT_EQ(::mkdir(source.c_str(), 0755), 0);
    std::ofstream(source + "/root-owned") << "x";  // 0:0 on disk

    auto bundle = make_bundle();
    use_user_namespace(bundle);
    oci::Mount idmapped;
    idmapped.destination = "/tmp/idmapped";  // /tmp: the namespace's root may create it
    idmapped.type = "bind";
    idmapped.source = source;
    idmapped.options = {"rbind", "idmap"};
    bundle.spec.mounts.push_back(idmapped);
    bundle.spec.process->args = {"sh", "-c", "stat -c '%u:%g' /tmp/idmapped/root-owned"};
    bundle.write();

    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    // Host 0 -> 100000 through the mount -> 0 in the container (65534 without the idmap).
    EXPECT_EQ(r.out, "0:0\n") << r.describe();
}

}  // namespace
}  // namespace berth::test
