// The container the systemd VM's CRIU checks checkpoint and restore
// (checks/criu.sh): state a restore must keep, in each kind CRIU handles.
//   - a counter in memory, incremented every 200 ms;
//   - a TCP connection over lo: each value is sent through it and read back
//     by the accepting end, which checks the sequence has no gap;
//   - an exclusive flock(2) on /tmp/lock (the checks try it from the host).
// Every round rewrites /tmp/status ("counter N received M ok|gap") with
// open/write/close, so no growing file stays open across a dump; with a
// terminal as stdout (criu.sh's console-socket check) the line goes there too,
// so the pty master that comes back from a restore shows it.
// SIGUSR1 makes it exit 42 (criu.sh's foreground restore: the status the
// runtime must return; as PID 1 of its namespace it ignores unhandled signals).
// Static, no project code: it runs in the busybox rootfs.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace {

volatile sig_atomic_t g_exit_requested = 0;
void request_exit(int) { g_exit_requested = 1; }

int die(const char* what) {
    std::perror(what);
    return 1;
}

void write_status(long counter, long received, bool ok) {
    char line[96];
    int n = std::snprintf(line, sizeof(line), "counter %ld received %ld %s\n", counter, received, ok ? "ok" : "gap");
    int fd = ::open("/tmp/status.new", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    (void)!::write(fd, line, static_cast<size_t>(n));
    ::close(fd);
    ::rename("/tmp/status.new", "/tmp/status");
    if (::isatty(STDOUT_FILENO)) (void)!::write(STDOUT_FILENO, line, static_cast<size_t>(n));
}

}  // namespace

int main() {
    struct sigaction usr1 {};
    usr1.sa_handler = request_exit;
    usr1.sa_flags = SA_RESTART;  // send and recv go on; the loop sees the flag
    ::sigaction(SIGUSR1, &usr1, nullptr);
    int lock = ::open("/tmp/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock < 0 || ::flock(lock, LOCK_EX) != 0) return die("lock /tmp/lock");
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(5000);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(listener, 1) != 0)
        return die("listen 127.0.0.1:5000");
    int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return die("connect");
    int server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (server < 0) return die("accept");
    long counter = 0, received = 0;
    bool ok = true;
    while (!g_exit_requested) {
        ++counter;
        if (::send(client, &counter, sizeof(counter), 0) != sizeof(counter)) return die("send");
        long got = 0;
        if (::recv(server, &got, sizeof(got), MSG_WAITALL) != sizeof(got)) return die("recv");
        ok = ok && got == received + 1;
        received = got;
        write_status(counter, received, ok);
        timespec pause{0, 200 * 1000 * 1000};
        ::nanosleep(&pause, nullptr);
    }
    return 42;
}
