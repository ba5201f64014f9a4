// The compiled-filter cache: stable keys, hits identical to compiling, and
// nothing untrusted is ever loaded from it.
#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "berth/linux/seccomp_cache.hpp"
#include "oci/parser.hpp"

namespace bl = berth::linux_setup;
namespace fs = std::filesystem;

namespace {

oci::Seccomp docker_profile() {
    auto spec = oci::load_config(std::string(BERTH_TEST_DATA) + "/configs/docker-largest.json");
    EXPECT_TRUE(spec) << spec.error().what();
    return *spec->linux->seccomp;
}

bool same_program(const bl::SeccompProgram& a, const bl::SeccompProgram& b) {
    if (a.filter.size() != b.filter.size() || a.flags != b.flags || a.notify != b.notify) return false;
    for (size_t i = 0; i < a.filter.size(); ++i)
        if (a.filter[i].code != b.filter[i].code || a.filter[i].jt != b.filter[i].jt || a.filter[i].jf != b.filter[i].jf ||
            a.filter[i].k != b.filter[i].k)
            return false;
    return true;
}

class SeccompCache : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/berth-seccomp-cache-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        root_ = tmpl;
    }
    void TearDown() override { fs::remove_all(root_); }
    fs::path entry_for(const oci::Seccomp& s) const {
        return fs::path(root_) / "@seccomp-cache" / (bl::seccomp_cache_key(s) + ".bpf");
    }
    std::string root_;
};

}  // namespace

TEST(SeccompCacheKey, StableAndSensitive) {
    const oci::Seccomp a = docker_profile();
    const std::string key = bl::seccomp_cache_key(a);
    EXPECT_EQ(key.size(), 32u);
    EXPECT_EQ(key, bl::seccomp_cache_key(docker_profile()));
    oci::Seccomp b = a;
    b.syscalls[0].names.push_back("getpid");
    EXPECT_NE(bl::seccomp_cache_key(b), key);
    b = a;
    b.defaultErrnoRet = 1;
    EXPECT_NE(bl::seccomp_cache_key(b), key);
    b = a;
    b.syscalls[1].args.push_back(oci::SeccompArg{0, 1, 2, "SCMP_CMP_EQ"});
    EXPECT_NE(bl::seccomp_cache_key(b), key);
    // Load-time settings do not change the program.
    b = a;
    b.flags = std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"};
    b.listenerPath = "/run/agent.sock";
    EXPECT_EQ(bl::seccomp_cache_key(b), key);
}

TEST(SeccompCacheKey, FieldsCannotBeShiftedIntoEachOther) {
    oci::Seccomp a;
    a.defaultAction = "SCMP_ACT_ALLOW";
    a.syscalls.push_back(oci::SeccompSyscall{{"ab", "c"}, "SCMP_ACT_ERRNO", std::nullopt, {}});
    oci::Seccomp b = a;
    b.syscalls[0].names = {"a", "bc"};
    EXPECT_NE(bl::seccomp_cache_input(a), bl::seccomp_cache_input(b));
}

TEST_F(SeccompCache, HitEqualsCompile) {
    const oci::Seccomp profile = docker_profile();
    auto compiled = bl::compile_seccomp(profile);
    ASSERT_TRUE(compiled);
    auto first = bl::compile_seccomp_cached(profile, root_);
    ASSERT_TRUE(first) << first.error().what();
    ASSERT_TRUE(fs::exists(entry_for(profile)));
    EXPECT_EQ(fs::status(entry_for(profile)).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    auto hit = bl::compile_seccomp_cached(profile, root_);
    ASSERT_TRUE(hit);
    EXPECT_TRUE(same_program(*compiled, *first));
    EXPECT_TRUE(same_program(*compiled, *hit));
}

TEST_F(SeccompCache, HitStillAppliesLoadFlags) {
    oci::Seccomp profile = docker_profile();
    ASSERT_TRUE(bl::compile_seccomp_cached(profile, root_));
    profile.flags = std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"};
    auto hit = bl::compile_seccomp_cached(profile, root_);
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->flags, SECCOMP_FILTER_FLAG_LOG);
}

TEST_F(SeccompCache, TamperedEntriesAreNotUsed) {
    const oci::Seccomp profile = docker_profile();
    auto compiled = bl::compile_seccomp(profile);
    ASSERT_TRUE(compiled);
    ASSERT_TRUE(bl::compile_seccomp_cached(profile, root_));
    const fs::path entry = entry_for(profile);

    // A group/world-writable entry is ignored (and replaced).
    fs::permissions(entry, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_write);
    auto r = bl::compile_seccomp_cached(profile, root_);
    ASSERT_TRUE(r);
    EXPECT_TRUE(same_program(*compiled, *r));
    EXPECT_EQ(fs::status(entry).permissions() & fs::perms::others_write, fs::perms::none);

    // A truncated entry is ignored.
    fs::resize_file(entry, fs::file_size(entry) - 3);
    r = bl::compile_seccomp_cached(profile, root_);
    ASSERT_TRUE(r);
    EXPECT_TRUE(same_program(*compiled, *r));

    // An entry for another profile under this key (a collision) is ignored.
    oci::Seccomp other;
    other.defaultAction = "SCMP_ACT_ALLOW";
    ASSERT_TRUE(bl::compile_seccomp_cached(other, root_));
    fs::copy_file(entry_for(other), entry, fs::copy_options::overwrite_existing);
    r = bl::compile_seccomp_cached(profile, root_);
    ASSERT_TRUE(r);
    EXPECT_TRUE(same_program(*compiled, *r));

    // A symlink is never followed.
    fs::remove(entry);
    fs::create_symlink(entry_for(other), entry);
    r = bl::compile_seccomp_cached(profile, root_);
    ASSERT_TRUE(r);
    EXPECT_TRUE(same_program(*compiled, *r));
}

TEST(SeccompCacheFallback, MissingStateRootStillCompiles) {
    auto r = bl::compile_seccomp_cached(docker_profile(), "/nonexistent-berth-root");
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_GT(r->filter.size(), 100u);
}
