// The one table of which operation each status allows (container/status.hpp),
// against runc 1.1's state objects and their refusal texts.
#include <gtest/gtest.h>

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

}  // namespace
