// Fault injection for the test-only binary berth-faulty (never the release
// binary): the strong definition of berth::trace::on_phase, which the product
// declares weak and leaves empty (include/berth/util/trace.hpp). Every phase
// of create/start/run/exec/delete passes through here, in the berth process
// and in the container's init before it execs the user's process.
//
//   BERTH_FAULT_LIST=FILE       append each phase reached to FILE (discovery)
//   BERTH_FAULT_AT=PHASE        die by SIGKILL at PHASE
//   BERTH_FAULT_KILL_INIT_AT=PHASE
//                               at PHASE, SIGKILL the container's init: the
//                               pid in BERTH_FAULT_INIT_PID, else every child
//                               of this process (the init that create clones)
//
// Only async-signal-safe calls: the hook also runs in the cloned init.
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "berth/util/trace.hpp"

namespace {

bool equals(const char* env, const char* phase) {
    const char* value = std::getenv(env);
    return value && std::strcmp(value, phase) == 0;
}

void append_phase(const char* phase) {
    // Opened at the first phase and kept: the cloned child inherits it and
    // still reaches the file after pivot_root. O_APPEND: the parent and the
    // child write whole lines to the same file.
    static int fd = -1;
    if (fd < 0) {
        const char* path = std::getenv("BERTH_FAULT_LIST");
        if (!path) return;
        fd = ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return;
    }
    char line[256];
    size_t n = std::strlen(phase);
    if (n > sizeof(line) - 1) n = sizeof(line) - 1;
    std::memcpy(line, phase, n);
    line[n] = '\n';
    (void)::write(fd, line, n + 1);
}

// SIGKILL ourselves. The init of a new pid namespace is immune to signals it
// sends itself, so it leaves with exit_group instead: just as abrupt.
[[noreturn]] void die() {
    ::kill(::getpid(), SIGKILL);
    ::syscall(SYS_exit_group, 128 + SIGKILL);
    __builtin_unreachable();
}

// Our children, from /proc/self/task/<tid>/children (one thread: tid == pid).
void kill_children() {
    char path[64];
    std::strcpy(path, "/proc/self/task/");
    char digits[16];
    int len = 0;
    for (long pid = ::getpid(); pid > 0; pid /= 10) digits[len++] = static_cast<char>('0' + pid % 10);
    size_t at = std::strlen(path);
    while (len > 0) path[at++] = digits[--len];
    std::strcpy(path + at, "/children");
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
    ::close(fd);
    if (n <= 0) return;
    buf[n] = '\0';
    for (char* p = buf; *p;) {
        long child = std::strtol(p, &p, 10);
        if (child > 0) ::kill(static_cast<pid_t>(child), SIGKILL);
        while (*p == ' ' || *p == '\n') ++p;
    }
}

void kill_init() {
    if (const char* pid = std::getenv("BERTH_FAULT_INIT_PID")) {
        ::kill(static_cast<pid_t>(std::atol(pid)), SIGKILL);
        return;
    }
    kill_children();
}

}  // namespace

namespace berth::trace {

void on_phase(const char* phase) noexcept {
    append_phase(phase);
    if (equals("BERTH_FAULT_KILL_INIT_AT", phase)) kill_init();
    if (equals("BERTH_FAULT_AT", phase)) die();
}

}  // namespace berth::trace
