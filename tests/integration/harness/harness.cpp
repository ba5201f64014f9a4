#include "harness/harness.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace fs = std::filesystem;

namespace berth::test {

const std::string& runtime() {
    static const std::string path = [] {
        const char* env = std::getenv("BERTH_TEST_RUNTIME");
        return std::string(env && *env ? env : BERTH_BINARY);
    }();
    return path;
}

bool runtime_is_berth() { return runtime() == BERTH_BINARY; }

void IntegrationTest::SetUp() {
    if (geteuid() != 0) GTEST_SKIP() << "integration tests need root";
    isolate_test_process();

    char tmpl[] = "/tmp/berth-it-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr) << "mkdtemp: " << std::strerror(errno);
    dir_ = tmpl;
    state_root_ = dir_ + "/state";
    // The runtime creates --root itself (that is part of what is tested).
    cgroup_parent_ = std::string("/").append(fs::path(dir_).filename().string());
    leak_check_ = std::make_unique<LeakCheck>(state_root_, cgroup_parent_);
    active_ = true;
}

void IntegrationTest::TearDown() {
    if (!active_) return;
    auto leaks = leak_check_->finish([this](const std::string& id) { run_berth("delete", "--force", id); });
    for (const auto& leak : leaks) ADD_FAILURE() << "leak: " << leak;
    std::error_code ec;
    fs::remove_all(dir_, ec);
    if (ec) ADD_FAILURE() << "remove " << dir_ << ": " << ec.message();
}

std::string IntegrationTest::new_id() { return "it-" + std::to_string(getpid()) + "-" + std::to_string(next_id_++); }

Bundle IntegrationTest::make_bundle(const std::string& id) {
    last_id_ = id.empty() ? new_id() : id;
    return Bundle::create(dir_ + "/bundle-" + std::to_string(next_bundle_++), cgroup_parent_ + "/" + last_id_);
}

RunResult IntegrationTest::run_berth_argv(const std::vector<std::string>& args, const RunOptions& options) {
    std::vector<std::string> argv = {runtime(), "--root", state_root_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, dir_ + "/cmd-" + std::to_string(next_capture_++), options);
}

ProbeReport IntegrationTest::run_probe(Bundle& bundle, const std::string& id) {
    bundle.write();
    RunResult result = run_berth("run", "--bundle", bundle.path(), id.empty() ? last_id_ : id);
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    return ProbeReport::parse(result.out);
}

}  // namespace berth::test
