// The environment a container process gets (process::process_env), as runc's prepareEnv.
#include <gtest/gtest.h>

#include "berth/process/plan.hpp"

namespace berth::process {
namespace {

using Env = std::vector<std::string>;

TEST(ProcessEnv, TheLastOfARepeatedNameStaysInItsPlace) {
    EXPECT_EQ(process_env({"FOO=1", "A=a", "FOO=2", "B=b"}, {}), (Env{"A=a", "FOO=2", "B=b"}));
}

TEST(ProcessEnv, ExtraEntriesOverrideTheConfigs) {
    EXPECT_EQ(process_env({"LISTEN_FDS=9", "PATH=/bin"}, {"LISTEN_FDS=2"}), (Env{"PATH=/bin", "LISTEN_FDS=2"}));
}

TEST(ProcessEnv, AnEmptyHomeIsLeftForTheChildToFillIn) {
    EXPECT_EQ(process_env({"HOME=", "X=1"}, {}), (Env{"X=1"}));
    // The last HOME decides, even when it is the empty one.
    EXPECT_EQ(process_env({"HOME=/h", "HOME="}, {}), (Env{}));
    EXPECT_EQ(process_env({"HOME=", "HOME=/h"}, {}), (Env{"HOME=/h"}));
}

TEST(ProcessEnv, AnEmptyValueOtherThanHomeIsKept) {
    EXPECT_EQ(process_env({"FOO=", "BAR=x"}, {}), (Env{"FOO=", "BAR=x"}));
}

}  // namespace
}  // namespace berth::process
