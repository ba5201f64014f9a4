// The parent <-> child protocol over the SOCK_SEQPACKET socketpair. Every
// message is one fixed-size datagram, so the child sends without allocating.
//
//   parent -> child  go         (maps written, cgroup joined) with state_size,
//                               then that many bytes of state JSON for the
//                               child's hooks in datagrams of at most
//                               kStateChunk (a lone NUL without states), the
//                               first carrying (SCM_RIGHTS) the v1 cgroups'
//                               `tasks` files when the parent made the cgroups
//                               after clone (ParentSteps::make_cgroup)
//   child -> parent  mount_source (index): clone bind source mounts[index] for
//                               me (user namespace, see rootfs.hpp SourceCloner)
//   parent -> child  mount_source + the detached tree (SCM_RIGHTS)
//   child -> parent  hooks      (mounts done: run prestart + createRuntime)
//   parent -> child  hooks_done
//   child -> parent  seccomp_fd (SCM_RIGHTS, see seccomp_notify.hpp) when notifying
//   child -> parent  ready      (about to wait on the exec fifo)
//   child -> parent  error      (with the ChildError), then the child exits
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "berth/util/child_error.hpp"
#include "berth/util/fd.hpp"

namespace berth::process {

enum class SyncType : uint32_t { go = 1, hooks, hooks_done, ready, error, mount_source };

// The most `tasks` files `go` carries: one per v1 hierarchy (the kernel has
// 14 v1 controllers and name=systemd).
inline constexpr size_t kMaxGoTasks = 32;

struct SyncMessage {
    SyncType type = SyncType::error;
    uint32_t index = 0;       // mount_source: which of plan.rootfs.mounts
    uint64_t state_size = 0;  // go: the hook state bytes that follow
    ChildError error;
};

// Hook states can be larger than one datagram may be (the socket's send
// buffer): they go in pieces.
inline constexpr size_t kStateChunk = 64 * 1024;

// Child side, noexcept: send one message / wait for one of `expected` (kept
// in `received` when given).
bool send_sync(int fd, SyncType type, ChildError& err) noexcept;
bool send_sync_error(int fd, const ChildError& error) noexcept;
bool wait_sync(int fd, SyncType expected, ChildError& err, SyncMessage* received = nullptr) noexcept;
// Receives one state datagram after `go` into `buf` and the fds it carries
// (at most kMaxGoTasks) into `fds`, `nfds` of them; returns its size, or -1
// with `err` set (also when it is longer than `size` or brings more fds, all
// closed then).
ssize_t receive_state(int fd, char* buf, size_t size, UniqueFd (&fds)[kMaxGoTasks], size_t& nfds, ChildError& err) noexcept;

// Child: asks the parent for the clone of mounts[index]'s source; the tree fd
// or -1 with `err` set.
int request_mount_source(int fd, uint32_t index, ChildError& err) noexcept;

// Parent: answers request_mount_source with `tree_fd`.
bool send_mount_source(int fd, int tree_fd) noexcept;

}  // namespace berth::process
