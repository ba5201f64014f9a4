#include "berth/util/file.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

using Views = std::vector<std::string_view>;

TEST(UtilFile, ReadsWholeFile) {
    auto text = berth::read_file(BERTH_TEST_DATA "/configs/runc-spec-default.json");
    ASSERT_TRUE(text.ok()) << text.error().what();
    EXPECT_EQ(text->front(), '{');
    EXPECT_NE(text->find("\"ociVersion\""), std::string::npos);
}

TEST(UtilFile, MissingFileNamesPath) {
    auto text = berth::read_file("/nonexistent/berth-file");
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().what(), "open \"/nonexistent/berth-file\": No such file or directory");
}

TEST(UtilFile, SplitLines) {
    EXPECT_EQ(berth::split_lines("a\nbb\n"), (Views{"a", "bb"}));
    EXPECT_EQ(berth::split_lines("a\n\nc"), (Views{"a", "", "c"}));
    EXPECT_EQ(berth::split_lines(""), Views{});
}

TEST(UtilFile, SplitFields) {
    EXPECT_EQ(berth::split_fields("36 35 98:0 /mnt1 /mnt2 rw"), (Views{"36", "35", "98:0", "/mnt1", "/mnt2", "rw"}));
    EXPECT_EQ(berth::split_fields("  cpu\t\t2  1 "), (Views{"cpu", "2", "1"}));
    EXPECT_EQ(berth::split_fields(" \t "), Views{});
}

}  // namespace
