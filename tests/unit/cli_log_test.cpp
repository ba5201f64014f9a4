#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <unistd.h>

#include "berth/util/log.hpp"

namespace berth::log {
namespace {

// 2026-11-22T16:31:27Z
constexpr std::time_t kWhen = 1795365087;

class CliLog : public ::testing::Test {
protected:
    void SetUp() override {
        const char* tz = std::getenv("TZ");
        saved_ = tz ? tz : "";
        had_tz_ = tz != nullptr;
        setenv("TZ", "UTC", 1);
        tzset();
    }
    void TearDown() override {
        if (had_tz_) {
            setenv("TZ", saved_.c_str(), 1);
        } else {
            unsetenv("TZ");
        }
        tzset();
    }

private:
    std::string saved_;
    bool had_tz_ = false;
};

TEST_F(CliLog, JsonLineHasRuncKeysInOrder) {
    EXPECT_EQ(format_line(Format::Json, Level::Error, "container does not exist", kWhen),
              "{\"level\":\"error\",\"msg\":\"container does not exist\",\"time\":\"2026-11-22T16:31:27Z\"}\n");
}

TEST_F(CliLog, JsonEscapesLikeGo) {
    EXPECT_EQ(format_line(Format::Json, Level::Debug, "a \"q\" \\ <b>&\n\x01", kWhen),
              "{\"level\":\"debug\",\"msg\":\"a \\\"q\\\" \\\\ \\u003cb\\u003e\\u0026\\n\\u0001\",\"time\":\"2026-11-22T16:31:27Z\"}\n");
}

TEST_F(CliLog, TextLineLikeLogrus) {
    EXPECT_EQ(format_line(Format::Text, Level::Error, "berth: \"state\" requires exactly 1 argument(s)", kWhen),
              "time=\"2026-11-22T16:31:27Z\" level=error msg=\"berth: \\\"state\\\" requires exactly 1 argument(s)\"\n");
}

TEST_F(CliLog, TextLeavesSimpleValuesUnquoted) {
    EXPECT_EQ(format_line(Format::Text, Level::Warn, "plain-word", kWhen),
              "time=\"2026-11-22T16:31:27Z\" level=warning msg=plain-word\n");
    EXPECT_EQ(format_line(Format::Text, Level::Info, "No help topic for 'x'\n", kWhen),
              "time=\"2026-11-22T16:31:27Z\" level=info msg=\"No help topic for 'x'\\n\"\n");
}

TEST_F(CliLog, Rfc3339WithOffset) {
    setenv("TZ", "XST-1", 1);  // one hour east of UTC
    tzset();
    EXPECT_EQ(rfc3339(kWhen), "2026-11-22T17:31:27+01:00");
}

TEST(CliLogFormat, Parse) {
    EXPECT_EQ(*parse_format("json"), Format::Json);
    EXPECT_EQ(*parse_format("text"), Format::Text);
    EXPECT_EQ(parse_format("xml").error().what(), "invalid log-format: xml");
}

}  // namespace
}  // namespace berth::log

namespace berth::log {
namespace {

TEST(CliLogFile, JsonLinesAppendToTheLogFile) {
    char path[] = "/tmp/berth-log-test-XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    ASSERT_TRUE(configure(path, Format::Json, false).ok());
    debug("hidden without --debug");
    error("container does not exist");
    ASSERT_TRUE(configure(path, Format::Json, true).ok());
    debug("shown with --debug");
    ASSERT_TRUE(configure("", Format::Text, false).ok());

    std::ifstream in(path);
    std::string first, second, third;
    std::getline(in, first);
    std::getline(in, second);
    EXPECT_FALSE(std::getline(in, third));
    ::unlink(path);
    EXPECT_TRUE(first.starts_with("{\"level\":\"error\",\"msg\":\"container does not exist\",\"time\":\"")) << first;
    EXPECT_TRUE(second.starts_with("{\"level\":\"debug\",\"msg\":\"shown with --debug\",\"time\":\"")) << second;
}

TEST(CliLogFile, UnopenableLogFileIsAnError) {
    auto r = configure("/nonexistent-dir/berth.log", Format::Json, false);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().what(), "open log file \"/nonexistent-dir/berth.log\": No such file or directory");
}

}  // namespace
}  // namespace berth::log
