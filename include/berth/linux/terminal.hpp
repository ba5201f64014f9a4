// process.terminal: the container's pty.
//
// The child opens the master from the container's own devpts (after
// setup_rootfs mounted it), gets the slave with TIOCGPTPEER instead of opening
// /dev/pts/N by name (CVE-2025-52565: a path the container controls), hands
// the master to whoever holds --console-socket (SCM_RIGHTS, as runc's
// recvtty expects), and makes the slave its stdio and controlling terminal.
#pragma once

#include <string>

#include "berth/util/child_error.hpp"
#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::linux_setup {

// Parent: connects to the --console-socket path. A socket that is not there
// yet, or not yet listening, is tried again for up to 1 s: berth gets here a
// few ms after it starts (runc after tens), and a listener started just
// before us (runc's suite starts recvtty in the background and does not wait
// for it) may still be on its way.
Result<UniqueFd> connect_console_socket(const std::string& path);

// Child: unlocks `master` and opens its slave with TIOCGPTPEER; sets the
// window size when given. With `relayed` (berth copies the pty to its own
// stdio) ONLCR goes off, as runc's tty code does, so "\n" stays "\n" (a
// --console-socket receiver decides that itself). Returns the slave fd or -1
// with `err` set.
int open_pty_slave(int master, const oci::Box* size, bool relayed, ChildError& err) noexcept;

// Child, after entering the rootfs and setsid(): the slave becomes fds 0-2 and
// the controlling terminal.
bool attach_console(int slave, ChildError& err) noexcept;

}  // namespace berth::linux_setup
