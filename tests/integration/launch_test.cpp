// The parent side of starting an init (src/process/launch.cpp): what a start
// that fails before the init is ready reports.
#include "harness/harness.hpp"

namespace berth::test {
namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class Launch : public IntegrationTest {};

// An init killed before it is ready (here by the OOM killer: one page of
// memory) is reported with the signal, not as a bare "exited".
TEST_F(Launch, InitKilledBeforeReadyNamesTheSignal) {
    if (!runtime_is_berth()) GTEST_SKIP() << "berth's message";
    auto bundle = make_bundle();
    bundle.spec.linux->resources.emplace();
    bundle.spec.linux->resources->memory.emplace();
    bundle.spec.linux->resources->memory->limit = 4096;
    bundle.write();
    auto r = run_berth("run", "--bundle", bundle.path(), last_id());
    EXPECT_NE(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(has(r.err, "container init was killed by signal KILL before it was ready")) << r.err;
    EXPECT_TRUE(has(r.err, "memory.limit")) << r.err;
}

}  // namespace
}  // namespace berth::test
