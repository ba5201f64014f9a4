// A process joining a running container (`exec`), between clone3 and execve.
//
// Same model as the init (child.hpp): the parent plans everything into a
// ChildPlan and clones us with process::launch(); we only make syscalls. The
// plan's namespaces hold the init's namespaces to join (user first; the pid
// namespace is entered by launch() around clone3, so no extra fork is needed),
// its rootfs.rootfs is "/" (the root of the joined mount namespace), and
// launch() has put us into the container's cgroup before `go`.
//
// Its steps are the init's own (child_steps.hpp lists both side by side and
// where they differ). An error before `ready` goes to the parent; an execve
// failure after it is printed on stderr and exits 255.
#pragma once

#include "berth/process/child.hpp"

namespace berth::process {

[[noreturn]] void exec_child_main(ChildPlan& plan) noexcept;

}  // namespace berth::process
