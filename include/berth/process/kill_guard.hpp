// KillGuard: SIGKILLs and reaps a child of ours unless dismissed, so a failed
// create, exec or launch never leaves a half-set-up process behind.
#pragma once

#include <sys/types.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>

namespace berth::process {

class KillGuard {
public:
    explicit KillGuard(pid_t pid) : pid_(pid) {}
    KillGuard(const KillGuard&) = delete;
    KillGuard& operator=(const KillGuard&) = delete;
    ~KillGuard() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
    }
    void dismiss() { pid_ = 0; }

private:
    pid_t pid_;
};

}  // namespace berth::process
