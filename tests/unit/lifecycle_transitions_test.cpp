// The one table of which operation each status allows (container/status.hpp),
// against runc 1.1's state objects and their refusal texts.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <string>

#include "berth/container/status.hpp"

namespace {

using berth::container::check_allowed;
using berth::container::ContainerStatus;
using berth::container::Operation;

constexpr ContainerStatus kStatuses[] = {ContainerStatus::created, ContainerStatus::running, ContainerStatus::paused,
                                         ContainerStatus::stopped};

// "" where runc allows the operation, else its error text.
const std::map<Operation, std::map<ContainerStatus, std::string>> kRunc = {
    {Operation::start,
     {{ContainerStatus::created, ""},
      {ContainerStatus::running, "cannot start an already running container"},
      {ContainerStatus::paused, "cannot start a container in the paused state"},
      {ContainerStatus::stopped, "cannot start a container that has stopped"}}},
    {Operation::pause,
     {{ContainerStatus::created, ""},
      {ContainerStatus::running, ""},
      {ContainerStatus::paused, "container not running"},
      {ContainerStatus::stopped, "container not running"}}},
    {Operation::resume,
     {{ContainerStatus::created, "container not paused"},
      {ContainerStatus::running, "container not paused"},
      {ContainerStatus::paused, ""},
      {ContainerStatus::stopped, "container not paused"}}},
    {Operation::update,
     {{ContainerStatus::created, ""},
      {ContainerStatus::running, ""},
      {ContainerStatus::paused, ""},
      {ContainerStatus::stopped, "container not running"}}},
    {Operation::exec,
     {{ContainerStatus::created, ""},
      {ContainerStatus::running, ""},
      {ContainerStatus::paused, ""},
      {ContainerStatus::stopped, "cannot exec in a stopped container"}}},
    {Operation::exec_strict,
     {{ContainerStatus::created, ""},
      {ContainerStatus::running, ""},
      {ContainerStatus::paused, "cannot exec in a paused container (use --ignore-paused to override)"},
      {ContainerStatus::stopped, "cannot exec in a stopped container"}}},
    {Operation::events,
     {{ContainerStatus::created, ""},
      {ContainerStatus::running, ""},
      {ContainerStatus::paused, ""},
      {ContainerStatus::stopped, "container with id web is not running"}}},
    {Operation::delete_,
     {{ContainerStatus::created, ""},
      {ContainerStatus::running, "cannot delete container web that is not stopped: running"},
      {ContainerStatus::paused, "cannot delete container web that is not stopped: paused"},
      {ContainerStatus::stopped, ""}}},
    {Operation::checkpoint,
     {{ContainerStatus::created, "Container cannot be checkpointed in created state"},
      {ContainerStatus::running, ""},
      {ContainerStatus::paused, ""},
      {ContainerStatus::stopped, "Container cannot be checkpointed in stopped state"}}},
};

TEST(StatusTransitions, EveryOperationInEveryStatusAsRunc) {
    for (const auto& [op, expected] : kRunc) {
        for (ContainerStatus status : kStatuses) {
            auto allowed = check_allowed(op, status, "web");
            const std::string& want = expected.at(status);
            SCOPED_TRACE(std::string(berth::container::to_string(status)) + " op " + std::to_string(static_cast<int>(op)));
            if (want.empty()) {
                EXPECT_TRUE(allowed.ok()) << allowed.error().what();
            } else {
                ASSERT_FALSE(allowed.ok());
                EXPECT_EQ(allowed.error().what(), want);
            }
        }
    }
}

// derive_status with this test process as the recorded init, in a container
// directory of its own (no exec fifo unless a test makes one).
class DeriveStatus : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/berth-status-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        path_ = tmpl;
        dir_ = berth::container::ContainerDir(path_, berth::UniqueFd(::open(tmpl, O_DIRECTORY | O_CLOEXEC)));
        record_.id = "web";
        record_.pid = ::getpid();
        record_.pid_start_time = berth::container::process_start_time(::getpid()).value_or(0);
        record_.cgroup.cgroup = "no saved cgroup";  // Cgroup::load refuses it
    }
    void TearDown() override {
        ::unlinkat(dir_.fd(), berth::container::kExecFifo, 0);
        ::rmdir(path_.c_str());
    }

    std::string path_;
    berth::container::ContainerDir dir_;
    berth::container::Record record_;
};

TEST_F(DeriveStatus, AnUnreadableFreezerIsAnErrorNotRunning) {
    auto status = berth::container::derive_status(dir_, record_);
    ASSERT_FALSE(status.ok()) << berth::container::to_string(*status);
    EXPECT_EQ(status.error().what(), "container web: read the freezer state: invalid saved cgroup \"no saved cgroup\"");
}

TEST_F(DeriveStatus, AGoneInitIsStoppedWhateverItsCgroup) {
    record_.pid_start_time += 1;  // another process than the one recorded
    auto status = berth::container::derive_status(dir_, record_);
    ASSERT_TRUE(status.ok()) << status.error().what();
    EXPECT_EQ(*status, ContainerStatus::stopped);
}

TEST_F(DeriveStatus, TheExecFifoMeansCreatedWithoutReadingTheCgroup) {
    ASSERT_EQ(::mkfifoat(dir_.fd(), berth::container::kExecFifo, 0600), 0);
    auto status = berth::container::derive_status(dir_, record_);
    ASSERT_TRUE(status.ok()) << status.error().what();
    EXPECT_EQ(*status, ContainerStatus::created);
}

TEST_F(DeriveStatus, WithoutACgroupTheInitIsRunning) {
    record_.cgroup.driver = berth::cgroups::Driver::none;
    auto status = berth::container::derive_status(dir_, record_);
    ASSERT_TRUE(status.ok()) << status.error().what();
    EXPECT_EQ(*status, ContainerStatus::running);
}

}  // namespace
