// The flag rows runc's create, run, exec and restore (and check) share, each
// written once; every command lists them in its own table, in runc's order
// for that command's --help. create and run also fill CreateOptions the same way.
#pragma once

#include "berth/cli/command.hpp"
#include "berth/cli/flags.hpp"
#include "berth/container/lifecycle.hpp"

namespace berth::cli {

inline constexpr FlagSpec kBundleFlag = {
    "bundle", "b", FlagKind::String, "path to the root of the bundle directory, defaults to the current directory"};
inline constexpr FlagSpec kConsoleSocketFlag = {
    "console-socket", "", FlagKind::String,
    "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's "
    "pseudoterminal"};
inline constexpr FlagSpec kPidfdSocketFlag = {
    "pidfd-socket", "", FlagKind::String,
    "path to an AF_UNIX socket which will receive a file descriptor referencing the init process"};
inline constexpr FlagSpec kDetachFlag = {"detach", "d", FlagKind::Bool, "detach from the container's process"};
inline constexpr FlagSpec kPidFileFlag = {"pid-file", "", FlagKind::String,
                                          "specify the file to write the process id to"};
inline constexpr FlagSpec kNoSubreaperFlag = {"no-subreaper", "", FlagKind::Bool,
                                              "disable the use of the subreaper used to reap reparented processes"};
inline constexpr FlagSpec kNoPivotFlag = {"no-pivot", "", FlagKind::Bool,
                                          "do not use pivot root to jail process inside rootfs"};
inline constexpr FlagSpec kNoNewKeyringFlag = {"no-new-keyring", "", FlagKind::Bool,
                                               "do not create a new session keyring for the container"};
inline constexpr FlagSpec kPreserveFdsFlag = {"preserve-fds", "", FlagKind::Uint,
                                              "pass N additional file descriptors to the container", "0"};

// CreateOptions from the flags create and run share (and the global ones).
container::CreateOptions create_options(const Invocation& inv);

}  // namespace berth::cli
