#include "berth/linux/mount_options.hpp"

#include <sys/mount.h>
#include <sys/statvfs.h>

#include <array>
#include <cstdio>

namespace berth::linux_setup {
namespace {

// A plain option: sets or clears one MS_* flag.
struct FlagOption {
    std::string_view name;
    bool clear;
    unsigned long flag;
};

// runtime-spec config.md "Mounts" plus the mount(8) spellings runc also accepts.
constexpr std::array kFlagOptions{
    FlagOption{"ro", false, MS_RDONLY},          FlagOption{"rw", true, MS_RDONLY},
    FlagOption{"nosuid", false, MS_NOSUID},      FlagOption{"suid", true, MS_NOSUID},
    FlagOption{"nodev", false, MS_NODEV},        FlagOption{"dev", true, MS_NODEV},
    FlagOption{"noexec", false, MS_NOEXEC},      FlagOption{"exec", true, MS_NOEXEC},
    FlagOption{"sync", false, MS_SYNCHRONOUS},   FlagOption{"async", true, MS_SYNCHRONOUS},
    FlagOption{"dirsync", false, MS_DIRSYNC},    FlagOption{"mand", false, MS_MANDLOCK},
    FlagOption{"nomand", true, MS_MANDLOCK},     FlagOption{"noatime", false, MS_NOATIME},
    FlagOption{"atime", true, MS_NOATIME},       FlagOption{"nodiratime", false, MS_NODIRATIME},
    FlagOption{"diratime", true, MS_NODIRATIME}, FlagOption{"relatime", false, MS_RELATIME},
    FlagOption{"norelatime", true, MS_RELATIME}, FlagOption{"strictatime", false, MS_STRICTATIME},
    FlagOption{"nostrictatime", true, MS_STRICTATIME}, FlagOption{"nosymfollow", false, MS_NOSYMFOLLOW},
    FlagOption{"symfollow", true, MS_NOSYMFOLLOW}, FlagOption{"iversion", false, MS_I_VERSION},
    FlagOption{"noiversion", true, MS_I_VERSION}, FlagOption{"lazytime", false, MS_LAZYTIME},
    FlagOption{"nolazytime", true, MS_LAZYTIME}, FlagOption{"silent", false, MS_SILENT},
    FlagOption{"loud", true, MS_SILENT},
};

struct PropagationOption {
    std::string_view name;
    unsigned long flags;
};

constexpr std::array kPropagationOptions{
    PropagationOption{"shared", MS_SHARED},         PropagationOption{"rshared", MS_SHARED | MS_REC},
    PropagationOption{"slave", MS_SLAVE},           PropagationOption{"rslave", MS_SLAVE | MS_REC},
    PropagationOption{"private", MS_PRIVATE},       PropagationOption{"rprivate", MS_PRIVATE | MS_REC},
    PropagationOption{"unbindable", MS_UNBINDABLE}, PropagationOption{"runbindable", MS_UNBINDABLE | MS_REC},
};

// A recursive option (mount_setattr with AT_RECURSIVE).
struct AttrOption {
    std::string_view name;
    MountAttrChange change;
};

constexpr uint64_t kAtime = MOUNT_ATTR__ATIME;

constexpr std::array kRecursiveOptions{
    AttrOption{"rro", {MOUNT_ATTR_RDONLY, 0}},
    AttrOption{"rrw", {0, MOUNT_ATTR_RDONLY}},
    AttrOption{"rnosuid", {MOUNT_ATTR_NOSUID, 0}},
    AttrOption{"rsuid", {0, MOUNT_ATTR_NOSUID}},
    AttrOption{"rnodev", {MOUNT_ATTR_NODEV, 0}},
    AttrOption{"rdev", {0, MOUNT_ATTR_NODEV}},
    AttrOption{"rnoexec", {MOUNT_ATTR_NOEXEC, 0}},
    AttrOption{"rexec", {0, MOUNT_ATTR_NOEXEC}},
    AttrOption{"rnodiratime", {MOUNT_ATTR_NODIRATIME, 0}},
    AttrOption{"rdiratime", {0, MOUNT_ATTR_NODIRATIME}},
    AttrOption{"rnosymfollow", {MOUNT_ATTR_NOSYMFOLLOW, 0}},
    AttrOption{"rsymfollow", {0, MOUNT_ATTR_NOSYMFOLLOW}},
    // The atime modes are one field: every change replaces the whole field.
    AttrOption{"rrelatime", {MOUNT_ATTR_RELATIME, kAtime}},
    AttrOption{"rnorelatime", {MOUNT_ATTR_STRICTATIME, kAtime}},
    AttrOption{"rnoatime", {MOUNT_ATTR_NOATIME, kAtime}},
    AttrOption{"ratime", {MOUNT_ATTR_RELATIME, kAtime}},
    AttrOption{"rstrictatime", {MOUNT_ATTR_STRICTATIME, kAtime}},
    AttrOption{"rnostrictatime", {MOUNT_ATTR_RELATIME, kAtime}},
};

void apply_flag(MountOptions& out, const FlagOption& option) {
    if (option.clear) {
        out.set_flags &= ~option.flag;
        out.clear_flags |= option.flag;
    } else {
        out.set_flags |= option.flag;
        out.clear_flags &= ~option.flag;
    }
    // The atime modes exclude each other: picking one drops the others.
    constexpr unsigned long atime_modes = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;
    if (!option.clear && (option.flag & atime_modes)) out.set_flags &= ~(atime_modes & ~option.flag);
}

void apply_attr(MountAttrChange& into, const MountAttrChange& change) {
    into.set = (into.set & ~change.clear) | change.set;
    into.clear = (into.clear & ~change.set) | change.clear;
}

template <class Table>
auto find_option(const Table& table, std::string_view name) -> const typename Table::value_type* {
    for (const auto& entry : table)
        if (entry.name == name) return &entry;
    return nullptr;
}

}  // namespace

MountAttrChange MountOptions::bind_attr_change(unsigned long also_set) const noexcept {
    struct Pair {
        unsigned long flag;
        uint64_t attr;
    };
    static constexpr Pair kPairs[] = {
        {MS_RDONLY, MOUNT_ATTR_RDONLY}, {MS_NOSUID, MOUNT_ATTR_NOSUID},         {MS_NODEV, MOUNT_ATTR_NODEV},
        {MS_NOEXEC, MOUNT_ATTR_NOEXEC}, {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
    };
    MountAttrChange change;
    const unsigned long set = set_flags | also_set;
    if (set == 0 && clear_flags == 0) return change;
    for (const auto& pair : kPairs) {
        if (set & pair.flag) change.set |= pair.attr;
        else change.clear |= pair.attr;
    }
    if (set & kAtimeMountFlags) {
        // mount(2)'s order: relatime unless noatime, strictatime over both.
        change.set |= (set & MS_STRICTATIME) ? MOUNT_ATTR_STRICTATIME
                      : (set & MS_NOATIME)   ? MOUNT_ATTR_NOATIME
                                             : MOUNT_ATTR_RELATIME;
        change.clear |= kAtime;
        if (set & MS_NODIRATIME) change.set |= MOUNT_ATTR_NODIRATIME;
        else change.clear |= MOUNT_ATTR_NODIRATIME;
    }
    return change;
}

unsigned long statfs_mount_flags(unsigned long f_flags) noexcept {
    struct Pair {
        unsigned long st;
        unsigned long ms;
    };
    // calculate_f_flags() in the kernel's fs/statfs.c; ST_NOSYMFOLLOW is 0x2000.
    static constexpr Pair kPairs[] = {
        {ST_RDONLY, MS_RDONLY},       {ST_NOSUID, MS_NOSUID},         {ST_NODEV, MS_NODEV},
        {ST_NOEXEC, MS_NOEXEC},       {ST_MANDLOCK, MS_MANDLOCK},     {ST_SYNCHRONOUS, MS_SYNCHRONOUS},
        {ST_NOATIME, MS_NOATIME},     {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
        {0x2000, MS_NOSYMFOLLOW},
    };
    unsigned long flags = 0;
    for (const auto& pair : kPairs)
        if (f_flags & pair.st) flags |= pair.ms;
    if (!(flags & (MS_NOATIME | MS_RELATIME))) flags |= MS_STRICTATIME;
    return flags;
}

void format_mount_flags(unsigned long flags, char* out, std::size_t size) noexcept {
    struct Name {
        unsigned long flag;
        const char* name;
    };
    static constexpr Name kNames[] = {
        {MS_RDONLY, "MS_RDONLY"},     {MS_NOSUID, "MS_NOSUID"},           {MS_NODEV, "MS_NODEV"},
        {MS_NOEXEC, "MS_NOEXEC"},     {MS_NOSYMFOLLOW, "MS_NOSYMFOLLOW"}, {MS_NOATIME, "MS_NOATIME"},
        {MS_NODIRATIME, "MS_NODIRATIME"}, {MS_RELATIME, "MS_RELATIME"},   {MS_STRICTATIME, "MS_STRICTATIME"},
    };
    if (size == 0) return;
    std::size_t used = 0;
    out[0] = '\0';
    for (const auto& name : kNames) {
        if (!(flags & name.flag)) continue;
        const int n = std::snprintf(out + used, size - used, "%s%s", used ? "|" : "", name.name);
        if (n < 0 || static_cast<std::size_t>(n) >= size - used) {
            out[used] = '\0';  // whole names only
            return;
        }
        used += static_cast<std::size_t>(n);
    }
}

Result<MountOptions> parse_mount_options(const std::vector<std::string>& options) {
    MountOptions out;
    for (const std::string& option : options) {
        if (option.empty()) return Error::msg("empty mount option");
        if (option == "defaults") continue;
        if (option == "bind" || option == "rbind") {
            out.bind = true;
            out.recursive_bind = out.recursive_bind || option == "rbind";
        } else if (option == "remount") {
            out.remount = true;
        } else if (option == "idmap" || option == "ridmap") {
            out.idmap = true;
            out.recursive_idmap = out.recursive_idmap || option == "ridmap";
        } else if (option == "tmpcopyup") {
            out.tmpcopyup = true;
        } else if (const auto* flag = find_option(kFlagOptions, option)) {
            apply_flag(out, *flag);
        } else if (const auto* propagation = find_option(kPropagationOptions, option)) {
            out.propagation.push_back(propagation->flags);
        } else if (const auto* attr = find_option(kRecursiveOptions, option)) {
            apply_attr(out.recursive, attr->change);
        } else {
            if (!out.data.empty()) out.data += ',';
            out.data += option;
        }
    }
    return out;
}

std::string with_mount_label(const std::string& data, const std::string& label) {
    if (label.empty()) return data;
    return data + (data.empty() ? "" : ",") + "context=\"" + label + "\"";
}

std::vector<std::string_view> known_mount_option_names() {
    std::vector<std::string_view> names = {"defaults", "bind", "rbind", "remount", "idmap", "ridmap", "tmpcopyup"};
    for (const auto& option : kFlagOptions) names.push_back(option.name);
    for (const auto& option : kPropagationOptions) names.push_back(option.name);
    for (const auto& option : kRecursiveOptions) names.push_back(option.name);
    return names;
}

Result<unsigned long> parse_propagation(std::string_view name) {
    if (const auto* propagation = find_option(kPropagationOptions, name)) return propagation->flags;
    return Error::msg("unknown propagation \"" + std::string(name) + "\"");
}

}  // namespace berth::linux_setup
