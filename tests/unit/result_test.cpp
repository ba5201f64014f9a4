#include "berth/util/result.hpp"

#include <gtest/gtest.h>

namespace {

berth::Result<int> half(int n) {
    if (n % 2) return berth::Error::msg("odd: " + std::to_string(n));
    return n / 2;
}

berth::Result<int> quarter(int n) {
    BERTH_TRY_ASSIGN(int h, half(n));
    return half(h);
}

TEST(Result, SystemErrorNamesContextAndErrno) {
    auto e = berth::Error::sys(ENOENT, "open \"/x\"");
    EXPECT_EQ(e.what(), "open \"/x\": No such file or directory");
    EXPECT_EQ(std::move(e).wrap("load").what(), "load: open \"/x\": No such file or directory");
}

TEST(Result, TryAssignPropagatesTheFirstError) {
    EXPECT_EQ(*quarter(8), 2);
    EXPECT_EQ(quarter(6).error().what(), "odd: 3");
}

}  // namespace
