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

TEST(Result, GoSpellingKeepsTheErrno) {
    auto e = berth::Error::go_sys(EACCES, "write \"/x\"");
    EXPECT_EQ(e.what(), "write \"/x\": permission denied");
    EXPECT_EQ(e.code(), EACCES);
}

TEST(Result, AnErrorCarriesItsExitCodeThroughWrapping) {
    EXPECT_EQ(berth::Error::msg("plain").exit_code(), 1);
    auto e = berth::Error::sys(ENOENT, "open \"/x\"").with_exit_code(255);
    auto wrapped = std::move(e).wrap("exec failed");
    EXPECT_EQ(wrapped.exit_code(), 255);
    EXPECT_EQ(wrapped.code(), ENOENT);
}

}  // namespace
