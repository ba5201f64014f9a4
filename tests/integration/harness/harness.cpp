#include "harness/harness.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include <rapidjson/document.h>

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
    auto leaks = leak_check_->finish([this](const std::string& id) {
        RunOptions quick;
        quick.timeout = std::chrono::seconds(10);  // cleanup only; the leak is already reported
        run_berth_argv({"delete", "--force", id}, quick);
    });
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

void IntegrationTest::use_user_namespace(Bundle& bundle) {
    ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
    ASSERT_EQ(::chmod(bundle.path().c_str(), 0755), 0);
    oci::Linux& linux = *bundle.spec.linux;
    linux.namespaces.push_back({oci::NamespaceType::user, std::nullopt});
    linux.uidMappings = {{0, 100000, 65536}};
    linux.gidMappings = {{0, 100000, 65536}};
    for (auto& m : bundle.spec.mounts) {
        if (m.destination != "/sys") continue;
        m.type = "none";
        m.source = "/sys";
        m.options = {"rbind", "nosuid", "noexec", "nodev", "ro"};
    }
}

RunResult IntegrationTest::run_berth_argv(const std::vector<std::string>& args, const RunOptions& options) {
    std::vector<std::string> argv = {runtime(), "--root", state_root_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, dir_ + "/cmd-" + std::to_string(next_capture_++), options);
}

ContainerState IntegrationTest::state_of(const std::string& id) {
    ContainerState state;
    state.result = run_berth("state", id);
    if (state.result.exit_code != 0) return state;
    rapidjson::Document doc;
    doc.Parse(state.result.out.c_str());
    if (doc.HasParseError() || !doc.IsObject()) {
        ADD_FAILURE() << "state output is not JSON: " << state.result.describe();
        return state;
    }
    if (doc.HasMember("status") && doc["status"].IsString()) state.status = doc["status"].GetString();
    if (doc.HasMember("pid") && doc["pid"].IsInt()) state.pid = doc["pid"].GetInt();
    if (doc.HasMember("bundle") && doc["bundle"].IsString()) state.bundle = doc["bundle"].GetString();
    if (state.pid > 0) leak_check_->track(state.pid);
    return state;
}

std::string IntegrationTest::wait_for_status(const std::string& id, const std::string& want,
                                             std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string status;
    while (true) {
        status = state_of(id).status;
        if (status == want || std::chrono::steady_clock::now() > deadline) return status;
        LeakCheck::reap_exited();  // an exited init that reparented to us stays a zombie otherwise
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

ProbeReport IntegrationTest::run_probe(Bundle& bundle, const std::string& id) {
    bundle.write();
    RunResult result = run_berth("run", "--bundle", bundle.path(), id.empty() ? last_id_ : id);
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    return ProbeReport::parse(result.out);
}

}  // namespace berth::test
