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

// /proc/PID/stat: fields after the command name are counted from its last ')'.
TEST(ProcStat, FieldsAreCountedFromTheLastParenthesis) {
    const std::string_view stat = "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 99 0 0 0 1 2 0 0 20 0 1 0 777 5062656 31\n";
    EXPECT_EQ(berth::proc_stat_field(stat, 3), "S");
    EXPECT_EQ(berth::proc_stat_field(stat, 4), "1");
    EXPECT_EQ(berth::proc_stat_field(stat, 22), "777");
    EXPECT_EQ(berth::proc_stat_field(stat, 24), "31");  // the last, before the newline
    EXPECT_EQ(berth::proc_stat_field(stat, 25), "");
    EXPECT_EQ(berth::proc_stat_field(stat, 2), "");   // the name is not a field to count
    EXPECT_EQ(berth::proc_stat_field("4242 no parenthesis S 1", 3), "");
}
