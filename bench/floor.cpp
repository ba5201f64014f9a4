// berth-floor: the floor of bench/run-bench.sh, what any runtime must do to run
// a command in a container and nothing else (issue 18): clone with the bundle's
// namespaces (pid, net, ipc, uts, mount), pivot_root into the rootfs, detach the
// old root, exec; the parent waits and exits with the command's status.
//
//   berth-floor ROOTFS CMD [ARG...]
//
// No cgroups, no /proc or /dev mounts, no state, no capabilities or seccomp.
// Static, like berth, so the dynamic loader is not part of the floor either.
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace {

[[noreturn]] void die(const char* what) {
    std::perror(what);
    _exit(127);
}

[[noreturn]] void enter_and_exec(const char* rootfs, char** argv) {
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) die("mount / private");
    if (mount(rootfs, rootfs, nullptr, MS_BIND | MS_REC, nullptr) != 0) die("bind rootfs");
    if (chdir(rootfs) != 0) die("chdir rootfs");
    if (syscall(SYS_pivot_root, ".", ".") != 0) die("pivot_root");
    if (umount2(".", MNT_DETACH) != 0) die("umount old root");
    if (chdir("/") != 0) die("chdir /");
    execv(argv[0], argv);
    die(argv[0]);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fputs("usage: berth-floor ROOTFS CMD [ARG...]\n", stderr);
        return 2;
    }
    const long flags = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS | SIGCHLD;
    const long pid = syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr);
    if (pid < 0) die("clone");
    if (pid == 0) enter_and_exec(argv[1], argv + 2);
    int status = 0;
    if (waitpid(static_cast<pid_t>(pid), &status, 0) < 0) die("waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
