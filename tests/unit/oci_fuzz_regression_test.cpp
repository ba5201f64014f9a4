// Inputs the fuzzers (tests/fuzz) or the sanitizer build found problems with.
// Each test only parses: the findings were memory errors, so these tests
// catch a regression when the unit tests run under ASan.
#include <gtest/gtest.h>

#include <string>

#include "oci/parser.hpp"

namespace oci {
namespace {

// RAPIDJSON_SSE2 (since disabled, oci-spec/CMakeLists.txt) skipped trailing
// whitespace with aligned 16-byte loads past the end of parse_document's copy
// of the text (ASan heap-buffer-overflow).
// Every length modulo 16 ends the text at a different place in a block.
TEST(OciFuzzRegression, TrailingWhitespaceAtEveryAlignment) {
    for (size_t pad = 0; pad < 32; ++pad) {
        std::string json = R"({"ociVersion":"1.0.2","root":{"path":"rootfs"}})" + std::string(pad, ' ');
        auto spec = parse_config(json);
        ASSERT_TRUE(spec.ok()) << spec.error().what();
        EXPECT_EQ(spec->root->path, "rootfs");
        auto state = parse_state(R"({"ociVersion":"1.0.2","id":"c","status":"created","bundle":"/b"})" +
                                 std::string(pad, '\n'));
        ASSERT_TRUE(state.ok()) << state.error().what();
        EXPECT_EQ(state->id, "c");
    }
}

// RAPIDJSON_SSE2 let raw 0x1A-0x1F through in 16-byte runs: the writer did not
// escape them and the reader then refused its own state.json.
TEST(OciFuzzRegression, ControlCharactersRoundTrip) {
    State state;
    state.ociVersion = "1.0.2";
    state.id = "c";
    state.status = "stopped";
    state.bundle = "/bundles/0123456789abcdef/\x1a\x1b\x1c\x1d\x1e\x1f" "-0123456789abcdef";
    std::string written = write_state(state);
    EXPECT_EQ(written.find('\x1a'), std::string::npos) << written;
    auto reread = parse_state(written);
    ASSERT_TRUE(reread.ok()) << reread.error().what();
    EXPECT_EQ(reread->bundle, state.bundle);

    // A raw control character is invalid JSON wherever it sits in a long string.
    auto raw = parse_state(R"({"ociVersion":"1.0.2","id":"c","status":"stopped","bundle":"/0123456789abcdef)"
                           "\x1d" "0123456789abcdef\"}");
    EXPECT_FALSE(raw.ok());
}

}  // namespace
}  // namespace oci
