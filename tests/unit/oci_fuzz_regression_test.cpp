// Inputs the fuzzers (tests/fuzz) or the sanitizer build found problems with.
// Each test only parses: the findings were memory errors, so these tests
// catch a regression when the unit tests run under ASan.
#include <gtest/gtest.h>

#include <string>

#include "oci/parser.hpp"

namespace oci {
namespace {

// RAPIDJSON_SSE2 skipped trailing whitespace with aligned 16-byte loads past
// the end of parse_document's copy of the text (ASan heap-buffer-overflow).
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

}  // namespace
}  // namespace oci
