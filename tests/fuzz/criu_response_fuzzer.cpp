// libFuzzer harness: berth::criu::decode_response, which parses what CRIU
// sends over the swrk socket (include/berth/util/criu_rpc.hpp), and the
// protobuf reader under it. Beyond not crashing: an error always says
// something, and whatever it accepts re-encodes to bytes that decode to the
// same response.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "berth/util/criu_rpc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace berth::criu;
    auto response = decode_response(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!response) {
        if (response.error().what().empty()) std::abort();
        return 0;
    }
    auto again = decode_response(encode_response(*response));
    if (!again || !(*again == *response)) std::abort();
    return 0;
}
