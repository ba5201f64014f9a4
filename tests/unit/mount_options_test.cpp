// The runtime-spec mount options table, option by option.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include "berth/linux/mount_options.hpp"

namespace berth::linux_setup {
namespace {

MountOptions parse(std::vector<std::string> options) {
    auto parsed = parse_mount_options(options);
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().what());
    return parsed.ok() ? *parsed : MountOptions{};
}

struct FlagCase {
    const char* option;
    unsigned long set;    // expected set_flags
    unsigned long clear;  // expected clear_flags
};

class FlagOptionTest : public ::testing::TestWithParam<FlagCase> {};

TEST_P(FlagOptionTest, SetsOrClearsItsFlag) {
    const FlagCase& c = GetParam();
    const MountOptions o = parse({c.option});
    EXPECT_EQ(o.set_flags, c.set) << c.option;
    EXPECT_EQ(o.clear_flags, c.clear) << c.option;
    EXPECT_TRUE(o.data.empty()) << c.option;
    EXPECT_FALSE(o.bind);
    EXPECT_TRUE(o.propagation.empty());
    EXPECT_TRUE(o.recursive.empty());
}

INSTANTIATE_TEST_SUITE_P(
    SpecTable, FlagOptionTest,
    ::testing::Values(FlagCase{"ro", MS_RDONLY, 0}, FlagCase{"rw", 0, MS_RDONLY}, FlagCase{"suid", 0, MS_NOSUID},
                      FlagCase{"nosuid", MS_NOSUID, 0}, FlagCase{"dev", 0, MS_NODEV}, FlagCase{"nodev", MS_NODEV, 0},
                      FlagCase{"exec", 0, MS_NOEXEC}, FlagCase{"noexec", MS_NOEXEC, 0},
                      FlagCase{"sync", MS_SYNCHRONOUS, 0}, FlagCase{"async", 0, MS_SYNCHRONOUS},
                      FlagCase{"dirsync", MS_DIRSYNC, 0}, FlagCase{"mand", MS_MANDLOCK, 0},
                      FlagCase{"nomand", 0, MS_MANDLOCK}, FlagCase{"atime", 0, MS_NOATIME},
                      FlagCase{"noatime", MS_NOATIME, 0}, FlagCase{"diratime", 0, MS_NODIRATIME},
                      FlagCase{"nodiratime", MS_NODIRATIME, 0}, FlagCase{"relatime", MS_RELATIME, 0},
                      FlagCase{"norelatime", 0, MS_RELATIME}, FlagCase{"strictatime", MS_STRICTATIME, 0},
                      FlagCase{"nostrictatime", 0, MS_STRICTATIME}, FlagCase{"nosymfollow", MS_NOSYMFOLLOW, 0},
                      FlagCase{"symfollow", 0, MS_NOSYMFOLLOW}, FlagCase{"lazytime", MS_LAZYTIME, 0},
                      FlagCase{"iversion", MS_I_VERSION, 0}, FlagCase{"silent", MS_SILENT, 0}));

struct AttrCase {
    const char* option;
    uint64_t set;
    uint64_t clear;
};

class RecursiveOptionTest : public ::testing::TestWithParam<AttrCase> {};

TEST_P(RecursiveOptionTest, BecomesAnAtRecursiveAttrChange) {
    const AttrCase& c = GetParam();
    const MountOptions o = parse({c.option});
    EXPECT_EQ(o.recursive.set, c.set) << c.option;
    EXPECT_EQ(o.recursive.clear, c.clear) << c.option;
    EXPECT_EQ(o.set_flags, 0u);
    EXPECT_TRUE(o.data.empty());
}

constexpr uint64_t kAtime = MOUNT_ATTR__ATIME;

INSTANTIATE_TEST_SUITE_P(
    SpecTable, RecursiveOptionTest,
    ::testing::Values(AttrCase{"rro", MOUNT_ATTR_RDONLY, 0}, AttrCase{"rrw", 0, MOUNT_ATTR_RDONLY},
                      AttrCase{"rnosuid", MOUNT_ATTR_NOSUID, 0}, AttrCase{"rsuid", 0, MOUNT_ATTR_NOSUID},
                      AttrCase{"rnodev", MOUNT_ATTR_NODEV, 0}, AttrCase{"rdev", 0, MOUNT_ATTR_NODEV},
                      AttrCase{"rnoexec", MOUNT_ATTR_NOEXEC, 0}, AttrCase{"rexec", 0, MOUNT_ATTR_NOEXEC},
                      AttrCase{"rnodiratime", MOUNT_ATTR_NODIRATIME, 0},
                      AttrCase{"rdiratime", 0, MOUNT_ATTR_NODIRATIME},
                      AttrCase{"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0},
                      AttrCase{"rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW},
                      AttrCase{"rnoatime", MOUNT_ATTR_NOATIME, kAtime},
                      AttrCase{"rstrictatime", MOUNT_ATTR_STRICTATIME, kAtime},
                      AttrCase{"rrelatime", MOUNT_ATTR_RELATIME, kAtime},
                      AttrCase{"ratime", MOUNT_ATTR_RELATIME, kAtime},
                      AttrCase{"rnorelatime", MOUNT_ATTR_STRICTATIME, kAtime},
                      AttrCase{"rnostrictatime", MOUNT_ATTR_RELATIME, kAtime}));

TEST(MountOptions, PropagationKeepsOrderAndRecursion) {
    const MountOptions o = parse({"shared", "rslave", "private", "runbindable", "rprivate", "unbindable", "rshared", "slave"});
    const std::vector<unsigned long> expected{MS_SHARED,           MS_SLAVE | MS_REC,  MS_PRIVATE,
                                              MS_UNBINDABLE | MS_REC, MS_PRIVATE | MS_REC, MS_UNBINDABLE,
                                              MS_SHARED | MS_REC,  MS_SLAVE};
    EXPECT_EQ(o.propagation, expected);
}

TEST(MountOptions, BindRbindRemountIdmapTmpcopyup) {
    EXPECT_TRUE(parse({"bind"}).bind);
    EXPECT_FALSE(parse({"bind"}).recursive_bind);
    EXPECT_TRUE(parse({"rbind"}).recursive_bind);
    EXPECT_TRUE(parse({"rbind"}).bind);
    EXPECT_TRUE(parse({"remount"}).remount);
    EXPECT_TRUE(parse({"idmap"}).idmap);
    EXPECT_FALSE(parse({"idmap"}).recursive_idmap);
    EXPECT_TRUE(parse({"ridmap"}).recursive_idmap);
    EXPECT_TRUE(parse({"tmpcopyup"}).tmpcopyup);
}

TEST(MountOptions, UnknownOptionsBecomeFilesystemDataInOrder) {
    const MountOptions o = parse({"nosuid", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", "defaults"});
    EXPECT_EQ(o.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
    EXPECT_EQ(o.set_flags, static_cast<unsigned long>(MS_NOSUID));
}

TEST(MountOptions, LaterOptionsWin) {
    const MountOptions o = parse({"ro", "rw", "nosuid", "suid", "noexec"});
    EXPECT_EQ(o.set_flags, static_cast<unsigned long>(MS_NOEXEC));
    EXPECT_EQ(o.clear_flags, static_cast<unsigned long>(MS_RDONLY | MS_NOSUID));
    const MountOptions r = parse({"rro", "rrw"});
    EXPECT_EQ(r.recursive.set, 0u);
    EXPECT_EQ(r.recursive.clear, static_cast<uint64_t>(MOUNT_ATTR_RDONLY));
}

TEST(MountOptions, AtimeModesExcludeEachOther) {
    EXPECT_EQ(parse({"noatime", "strictatime"}).set_flags, static_cast<unsigned long>(MS_STRICTATIME));
    EXPECT_EQ(parse({"strictatime", "relatime"}).set_flags, static_cast<unsigned long>(MS_RELATIME));
    const MountOptions r = parse({"rnoatime", "rstrictatime"});
    EXPECT_EQ(r.recursive.set, static_cast<uint64_t>(MOUNT_ATTR_STRICTATIME));
    EXPECT_EQ(r.recursive.clear, kAtime);
}

constexpr uint64_t kFlagAttrs =
    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSYMFOLLOW;

// runc 1.2+: a bind's flags are exactly the named ones ("mount --bind -o").
TEST(MountOptions, BindFlagsAreExactlyTheNamedOnes) {
    const MountAttrChange c = parse({"ro", "nosuid", "dev", "noexec", "nosymfollow"}).bind_attr_change();
    EXPECT_EQ(c.set, static_cast<uint64_t>(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC |
                                           MOUNT_ATTR_NOSYMFOLLOW));
    EXPECT_EQ(c.clear, static_cast<uint64_t>(MOUNT_ATTR_NODEV));
    // Just "ro": a nosuid,nodev source turns suid,dev; the atime mode stays.
    const MountAttrChange ro = parse({"rbind", "ro"}).bind_attr_change();
    EXPECT_EQ(ro.set, static_cast<uint64_t>(MOUNT_ATTR_RDONLY));
    EXPECT_EQ(ro.clear, kFlagAttrs & ~static_cast<uint64_t>(MOUNT_ATTR_RDONLY));
    // A cleared flag alone also asks for exact flags.
    const MountAttrChange rw = parse({"rw"}).bind_attr_change();
    EXPECT_EQ(rw.set, 0u);
    EXPECT_EQ(rw.clear, kFlagAttrs);
    // Nothing named: the source's flags stay.
    EXPECT_TRUE(parse({"rbind", "rprivate", "rro"}).bind_attr_change().empty());
}

TEST(MountOptions, BindAtimeChangesOnlyWhenAModeIsSet) {
    const MountAttrChange noatime = parse({"noatime"}).bind_attr_change();
    EXPECT_EQ(noatime.set, static_cast<uint64_t>(MOUNT_ATTR_NOATIME));
    EXPECT_EQ(noatime.clear, kFlagAttrs | kAtime | MOUNT_ATTR_NODIRATIME);
    const MountAttrChange nodiratime = parse({"nodiratime"}).bind_attr_change();
    EXPECT_EQ(nodiratime.set, static_cast<uint64_t>(MOUNT_ATTR_RELATIME | MOUNT_ATTR_NODIRATIME));
    EXPECT_EQ(nodiratime.clear, kFlagAttrs | kAtime);
    const MountAttrChange strict = parse({"strictatime"}).bind_attr_change();
    EXPECT_EQ(strict.set, static_cast<uint64_t>(MOUNT_ATTR_STRICTATIME));
    // Clearing an atime flag is not setting a mode: mount(2) keeps the old one.
    const MountAttrChange atime = parse({"atime", "norelatime"}).bind_attr_change();
    EXPECT_EQ(atime.set, 0u);
    EXPECT_EQ(atime.clear, kFlagAttrs);
}

TEST(MountOptions, BindFlagsWithLockedOnesReapplied) {
    const MountAttrChange c = parse({"ro"}).bind_attr_change(MS_NOSUID | MS_NODEV | MS_NOATIME);
    EXPECT_EQ(c.set, static_cast<uint64_t>(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOATIME));
    EXPECT_EQ(c.clear, static_cast<uint64_t>(MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSYMFOLLOW) | kAtime | MOUNT_ATTR_NODIRATIME);
}

TEST(MountOptions, StatfsFlagsBecomeMountFlags) {
    EXPECT_EQ(statfs_mount_flags(ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RELATIME),
              static_cast<unsigned long>(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME));
    EXPECT_EQ(statfs_mount_flags(ST_NOATIME | ST_NODIRATIME), static_cast<unsigned long>(MS_NOATIME | MS_NODIRATIME));
    // strictatime has no ST_ bit: no other mode showing means strictatime.
    EXPECT_EQ(statfs_mount_flags(0), static_cast<unsigned long>(MS_STRICTATIME));
    EXPECT_EQ(statfs_mount_flags(0x2000 | ST_RELATIME), static_cast<unsigned long>(MS_NOSYMFOLLOW | MS_RELATIME));
}

TEST(MountOptions, FlagNamesForErrors) {
    char names[64];
    format_mount_flags(MS_RDONLY | MS_NOSUID | MS_RELATIME, names, sizeof(names));
    EXPECT_STREQ(names, "MS_RDONLY|MS_NOSUID|MS_RELATIME");
    format_mount_flags(0, names, sizeof(names));
    EXPECT_STREQ(names, "");
    char small[12];
    format_mount_flags(MS_RDONLY | MS_NOSUID, small, sizeof(small));
    EXPECT_STREQ(small, "MS_RDONLY");  // what fits, whole names only
}

TEST(MountOptions, EmptyOptionIsAnError) {
    auto parsed = parse_mount_options({"ro", ""});
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().what(), "empty mount option");
}

TEST(MountOptions, RootfsPropagationNames) {
    EXPECT_EQ(*parse_propagation("rprivate"), static_cast<unsigned long>(MS_PRIVATE | MS_REC));
    EXPECT_EQ(*parse_propagation("shared"), static_cast<unsigned long>(MS_SHARED));
    EXPECT_EQ(*parse_propagation("rslave"), static_cast<unsigned long>(MS_SLAVE | MS_REC));
    auto bad = parse_propagation("rbogus");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().what(), "unknown propagation \"rbogus\"");
}

// `berth features` lists these: each must have a meaning, not fall through as filesystem data.
TEST(MountOptions, EveryKnownNameIsUnderstood) {
    for (std::string_view name : known_mount_option_names()) {
        auto parsed = parse_mount_options({std::string(name)});
        ASSERT_TRUE(parsed.ok()) << name;
        EXPECT_EQ(parsed->data, "") << name;
    }
}

}  // namespace
}  // namespace berth::linux_setup
