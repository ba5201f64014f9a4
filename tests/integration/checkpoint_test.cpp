// checkpoint and restore where CRIU cannot work (this host's kernel and
// Debian's criu 3.17 cannot dump; tests/systemd-vm checks the real thing):
// CRIU missing, CRIU failing at once, CRIU refusing the dump or the restore
// (a fake speaking CRIU's RPC). Each time one clear line, the container as
// it was, and nothing left: no image directory berth made, no record, no
// cgroup, no mount (the fixture's leak check).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "harness/harness.hpp"

namespace berth::test {
namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// `criu swrk FD` as far as berth needs it: answers VERSION with 3.17,
// FEATURE_CHECK with memory tracking and lazy pages (FAKE_CRIU=nolazy: without
// lazy pages), and DUMP or RESTORE with a failure (errno 22, a message, a log
// with an error line in the work directory). FAKE_CRIU=exit: exits 3 at once.
constexpr const char* kFakeCriu = R"(#!/usr/bin/python3
import os, socket, sys
if os.environ.get("FAKE_CRIU") == "exit":
    sys.exit(3)
sk = socket.socket(fileno=int(sys.argv[2]))
def varint(b, i):
    v = s = 0
    while True:
        c = b[i]; i += 1; v |= (c & 0x7f) << s; s += 7
        if c < 0x80: return v, i
def fields(b):
    i = 0
    while i < len(b):
        k, i = varint(b, i)
        if k & 7 == 0:
            v, i = varint(b, i); yield k >> 3, v
        else:
            n, i = varint(b, i); yield k >> 3, b[i:i + n]; i += n
def enc(n):
    out = b""
    while n >= 0x80: out += bytes([n & 0x7f | 0x80]); n >>= 7
    return out + bytes([n])
req = dict(fields(sk.recv(1 << 20)))
kind = req[1]
if kind == 10:
    sk.send(b"\x08\x0a\x10\x01\x52\x04\x08\x03\x10\x11")
    sys.exit(0)
if kind == 9:
    lazy = b"\x00" if os.environ.get("FAKE_CRIU") == "nolazy" else b"\x01"
    sk.send(b"\x08\x09\x10\x01\x42\x04\x08\x01\x10" + lazy)
    sys.exit(0)
opts = dict(fields(req[2]))
log = "dump.log" if kind == 1 else "restore.log"
with open("/proc/self/fd/%d/%s" % (opts[17], log), "w") as f:
    f.write("(00.001) Error (criu/fake.c:1): fake: nothing done\n")
msg = b"fake refusal"
sk.send(b"\x08" + enc(kind) + b"\x10\x00\x38\x16\x4a" + enc(len(msg)) + msg)
)";

class Checkpoint : public IntegrationTest {
protected:
    // A running container (sleep), its id.
    std::string start_sleeper() {
        auto bundle = make_bundle();
        bundle.spec.process->args = {"sleep", "100"};
        bundle.write();
        bundle_path_ = bundle.path();
        auto r = run_berth("run", "--detach", "--bundle", bundle.path(), last_id());
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        return last_id();
    }
    std::string fake_criu() {
        const std::string path = dir() + "/fake-criu";
        std::ofstream(path) << kFakeCriu;
        ::chmod(path.c_str(), 0755);
        return path;
    }
    // `runtime [--criu CRIU] --root R args...` with PATH holding no criu (only
    // the runtime, when it is named, not a path: runc).
    RunResult run_without_criu(std::vector<std::string> args, const std::string& criu = "", std::vector<std::string> env = {}) {
        const std::string empty = dir() + "/empty-path";
        ::mkdir(empty.c_str(), 0755);
        if (runtime().find('/') == std::string::npos) {
            for (const char* bin : {"/usr/local/sbin/", "/usr/local/bin/", "/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"})
                if (exists(bin + runtime())) (void)::symlink((bin + runtime()).c_str(), (empty + "/" + runtime()).c_str());
        }
        if (!criu.empty()) args.insert(args.begin(), {"--criu", criu});
        env.push_back("PATH=" + empty);
        RunOptions options;
        options.extra_env = env;
        return run_berth_argv(args, options);
    }
    std::string bundle_path_;
};

TEST_F(Checkpoint, WithoutCriuFailsNamingItAndLeavesTheContainerRunning) {
    auto id = start_sleeper();
    const std::string images = dir() + "/images";
    auto r = run_without_criu({"checkpoint", "--image-path", images, id});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    // runc's words too (quotes escaped in the text log line).
    EXPECT_TRUE(has(r.err, R"(CRIU version check failed: exec: \"criu\": executable file not found in $PATH)")) << r.describe();
    EXPECT_EQ(state_of(id).status, "running");
    if (runtime_is_berth()) {
        EXPECT_FALSE(exists(images)) << "runc leaves it, berth should not";
    }
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
}

TEST_F(Checkpoint, RestoreWithoutCriuFailsAndCreatesNothing) {
    auto bundle = make_bundle();
    bundle.write();
    const std::string images = dir() + "/images";
    ASSERT_EQ(::mkdir(images.c_str(), 0700), 0);
    auto r = run_without_criu({"restore", "--detach", "--bundle", bundle.path(), "--image-path", images, last_id()});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_TRUE(has(r.err, R"(exec: \"criu\": executable file not found in $PATH)")) << r.describe();
    EXPECT_TRUE(has(run_berth("state", last_id()).err, "container does not exist"));
}

// A restore in the foreground of a container with a terminal relays the
// restored pty to a terminal of its own: without one (stdio none, no
// controlling terminal) it is refused before CRIU is looked for, as runc does.
TEST_F(Checkpoint, ForegroundRestoreWithATerminalNeedsOne) {
    if (const int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC); tty >= 0) {
        ::close(tty);
        GTEST_SKIP() << "run from a terminal: the runtime would find it as /dev/tty";
    }
    auto bundle = make_bundle();
    bundle.spec.process->terminal = true;
    bundle.write();
    const std::string images = dir() + "/images";
    ASSERT_EQ(::mkdir(images.c_str(), 0700), 0);
    auto r = run_without_criu({"restore", "--bundle", bundle.path(), "--image-path", images, last_id()});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_TRUE(has(r.err, "open /dev/tty: no such device or address")) << r.describe();
    EXPECT_TRUE(has(run_berth("state", last_id()).err, "container does not exist"));
}

// features says checkpoint works (runc's annotation) and lists CRIU's config
// annotation as unsafe (runc 1.2+); neither command's help says it is missing.
TEST_F(Checkpoint, FeaturesAndHelpSayItWorks) {
    if (!runtime_is_berth()) GTEST_SKIP() << "runc 1.1.5 has no potentiallyUnsafeConfigAnnotations";
    auto features = run_berth("features");
    ASSERT_EQ(features.exit_code, 0) << features.describe();
    EXPECT_TRUE(has(features.out, R"("org.opencontainers.runc.checkpoint.enabled": "true")")) << features.out;
    const size_t unsafe = features.out.find("\"potentiallyUnsafeConfigAnnotations\"");
    ASSERT_NE(unsafe, std::string::npos) << features.out;
    EXPECT_NE(features.out.find("\"org.criu.config\"", unsafe), std::string::npos) << features.out;
    for (const char* command : {"checkpoint", "restore"}) {
        auto help = run_berth(command, "--help");
        EXPECT_EQ(help.exit_code, 0) << help.describe();
        EXPECT_FALSE(has(help.out + help.err, "not implemented")) << help.describe();
    }
}

TEST_F(Checkpoint, FlagsAreCheckedAsRuncChecksThem) {
    auto id = start_sleeper();
    auto mode = run_berth("checkpoint", "--manage-cgroups-mode", "props", "--image-path", dir() + "/i", id);
    EXPECT_EQ(mode.exit_code, 1);
    EXPECT_TRUE(has(mode.err, "Invalid manage cgroups mode")) << mode.describe();
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
    auto missing = run_berth("checkpoint", "no-such-container");
    EXPECT_TRUE(has(missing.err, "container does not exist")) << missing.describe();

    auto bundle = make_bundle();
    bundle.write();
    ASSERT_EQ(run_berth("create", "--bundle", bundle.path(), last_id()).exit_code, 0);
    auto created = run_berth("checkpoint", "--image-path", dir() + "/i", last_id());
    EXPECT_EQ(created.exit_code, 1);
    EXPECT_TRUE(has(created.err, "Container cannot be checkpointed in created state")) << created.describe();
    EXPECT_EQ(run_berth("delete", "--force", last_id()).exit_code, 0);
}

// --lazy-pages: CRIU is asked for the feature first, then --status-fd must be
// open for writing (runc tests the O_WRONLY bit); each refusal leaves the
// container running and no image directory.
TEST_F(Checkpoint, LazyPagesNeedTheFeatureAndAWritableStatusFd) {
    auto id = start_sleeper();
    const std::string images = dir() + "/images";
    auto lazy = [&](const std::string& fd, const char* fake) {
        return run_without_criu({"checkpoint", "--lazy-pages", "--status-fd", fd, "--image-path", images, id}, fake_criu(),
                                {std::string("FAKE_CRIU=") + fake});
    };
    auto missing = lazy("1", "nolazy");
    EXPECT_EQ(missing.exit_code, 1) << missing.describe();
    // runc 1.3's words (1.1.5: "CRIU is missing features", without the list)
    EXPECT_TRUE(has(missing.err, runtime_is_berth() ? "criu is missing features: [LazyPages]" : "is missing features"))
        << missing.describe();
    auto read_only = lazy("0", "");  // the harness's stdin: a file opened for reading
    EXPECT_EQ(read_only.exit_code, 1) << read_only.describe();
    EXPECT_TRUE(has(read_only.err, "invalid --status-fd argument 0: not writable")) << read_only.describe();
    auto closed = lazy("99", "");
    EXPECT_EQ(closed.exit_code, 1) << closed.describe();
    EXPECT_TRUE(has(closed.err, "invalid --status-fd argument 99: bad file descriptor")) << closed.describe();
    EXPECT_EQ(state_of(id).status, "running");
    if (runtime_is_berth()) {
        EXPECT_FALSE(exists(images)) << "runc leaves it, berth should not";
    }
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
}

TEST_F(Checkpoint, CriuThatExitsAtOnceIsNamed) {
    if (!runtime_is_berth()) GTEST_SKIP() << "berth's own error text";
    auto id = start_sleeper();
    auto r = run_without_criu({"checkpoint", "--image-path", dir() + "/images", id}, fake_criu(), {"FAKE_CRIU=exit"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(has(r.err, "CRIU version check failed: criu swrk exited with status 3 before answering")) << r.describe();
    EXPECT_EQ(state_of(id).status, "running");
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
}

TEST_F(Checkpoint, RefusedDumpSaysWhyAndRemovesTheImagesItMade) {
    if (!runtime_is_berth()) GTEST_SKIP() << "berth's own error text";
    if (!exists("/usr/bin/python3")) GTEST_SKIP() << "the fake CRIU is a python3 script";
    auto id = start_sleeper();
    const std::string images = dir() + "/images";
    auto r = run_without_criu({"checkpoint", "--image-path", images, id}, fake_criu());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(has(r.err, "criu failed: type DUMP errno 22 (Invalid argument): fake refusal; log (removed): "
                           "(00.001) Error (criu/fake.c:1): fake: nothing done"))
        << r.describe();
    EXPECT_FALSE(exists(images));
    EXPECT_EQ(state_of(id).status, "running");

    // An existing --image-path and --work-path stay, with the log.
    const std::string work = dir() + "/work";
    ASSERT_EQ(::mkdir(images.c_str(), 0700), 0);
    ASSERT_EQ(::mkdir(work.c_str(), 0700), 0);
    auto kept = run_without_criu({"checkpoint", "--image-path", images, "--work-path", work, id}, fake_criu());
    EXPECT_TRUE(has(kept.err, "log file: " + work + "/dump.log: (00.001) Error")) << kept.describe();
    EXPECT_TRUE(exists(images + "/descriptors.json"));
    EXPECT_EQ(state_of(id).status, "running");
    EXPECT_EQ(run_berth("delete", "--force", id).exit_code, 0);
}

TEST_F(Checkpoint, RefusedRestoreLeavesNoContainerCgroupOrMount) {
    if (!runtime_is_berth()) GTEST_SKIP() << "berth's own error text";
    if (!exists("/usr/bin/python3")) GTEST_SKIP() << "the fake CRIU is a python3 script";
    auto bundle = make_bundle();
    bundle.write();
    const std::string images = dir() + "/images";
    ASSERT_EQ(::mkdir(images.c_str(), 0700), 0);
    std::ofstream(images + "/descriptors.json") << R"(["pipe:[1]","/dev/null","/dev/null"])";
    auto r = run_without_criu({"restore", "--detach", "--bundle", bundle.path(), "--image-path", images, last_id()},
                              fake_criu());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(has(r.err, "criu failed: type RESTORE errno 22 (Invalid argument): fake refusal; log file: " + images +
                               "/restore.log: (00.001) Error (criu/fake.c:1): fake: nothing done"))
        << r.describe();
    EXPECT_TRUE(has(run_berth("state", last_id()).err, "container does not exist"));
}

}  // namespace
}  // namespace berth::test
