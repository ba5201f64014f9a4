// The `options` of one config.json mount, translated into what the kernel takes.
//
// runtime-spec config.md "Mounts" lists the options; each one becomes either a
// mount(2) flag to set or clear, a propagation change, a recursive attribute
// for mount_setattr(AT_RECURSIVE), a berth-level switch (bind, idmap,
// tmpcopyup), or (when unknown) filesystem data passed through as-is.
#pragma once

#include <sys/mount.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "berth/util/result.hpp"

namespace berth::linux_setup {

// A mount_setattr(2) change: MOUNT_ATTR_* bits to set and to clear. An atime
// mode (relatime/noatime/strictatime) is always set with MOUNT_ATTR__ATIME in
// `clear`, as the kernel requires.
struct MountAttrChange {
    uint64_t set = 0;
    uint64_t clear = 0;
    bool empty() const { return set == 0 && clear == 0; }
};

struct MountOptions {
    unsigned long set_flags = 0;    // MS_* requested (ro, nosuid, noatime, ...)
    unsigned long clear_flags = 0;  // MS_* explicitly turned off (rw, suid, atime, ...)
    bool bind = false;              // bind or rbind
    bool recursive_bind = false;    // rbind
    bool remount = false;
    std::vector<unsigned long> propagation;  // MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE [|MS_REC], in order
    MountAttrChange recursive;               // rro, rnosuid, ... (AT_RECURSIVE)
    bool idmap = false;
    bool recursive_idmap = false;  // ridmap
    bool tmpcopyup = false;
    std::string data;  // unknown options, comma-joined, for the filesystem

    // The flags of a bind mount (made with open_tree) as a mount_setattr
    // change, as runc 1.2+ gives them ("mount --bind -o ..."): when the
    // options name any flag, exactly the set ones of ro, nosuid, nodev,
    // noexec and nosymfollow are on and the rest cleared (a nosuid source
    // bound with just "ro" becomes ro,suid); the atime mode changes only when
    // an option sets one (noatime, relatime, strictatime, nodiratime), as
    // mount(2)'s bind remount keeps it otherwise. No flag named: nothing
    // changes, the source's flags stay. `also_set` (MS_*) adds to the set
    // options: the flags a user namespace locked, re-applied (runc's retry).
    MountAttrChange bind_attr_change(unsigned long also_set = 0) const noexcept;
};

// MS_* flags the kernel locks (MNT_LOCK_*) on a mount copied into a less
// privileged user namespace: clearing one there fails with EPERM.
constexpr unsigned long kLockableMountFlags =
    MS_RDONLY | MS_NODEV | MS_NOEXEC | MS_NOSUID | MS_NOATIME | MS_RELATIME | MS_STRICTATIME | MS_NODIRATIME;
constexpr unsigned long kAtimeMountFlags = MS_NOATIME | MS_RELATIME | MS_STRICTATIME | MS_NODIRATIME;

// The MS_* flags of a mount from statfs(2)'s f_flags (ST_*); MS_STRICTATIME
// when neither noatime nor relatime shows (strictatime has no ST_ bit).
unsigned long statfs_mount_flags(unsigned long f_flags) noexcept;

// "MS_RDONLY|MS_NOSUID" into `out` (truncated to `size`), for error messages.
void format_mount_flags(unsigned long flags, char* out, std::size_t size) noexcept;

// Parses options in order (later options override earlier ones, as mount(8) does).
// Never fails on an unknown word: it is filesystem data. Fails on an empty option.
Result<MountOptions> parse_mount_options(const std::vector<std::string>& options);

// runc's label.FormatMountLabel: `data` with the SELinux mount context
// `context="<label>"` appended; `data` itself when the label is empty.
std::string with_mount_label(const std::string& data, const std::string& label);

// Every option word parse_mount_options() gives a meaning (for `berth features`).
std::vector<std::string_view> known_mount_option_names();

// The MS_* propagation value of `name` ("rprivate" -> MS_PRIVATE|MS_REC), or an
// error naming it. Used for linux.rootfsPropagation.
Result<unsigned long> parse_propagation(std::string_view name);

}  // namespace berth::linux_setup
