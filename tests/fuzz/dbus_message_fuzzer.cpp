// libFuzzer harness: berth::dbus::unmarshal, which parses what arrives from a
// bus (include/berth/util/dbus.hpp). Beyond not crashing: whatever it accepts,
// message_size agrees with, marshal writes back, and the result reads as the
// same message (a stable round trip through the little-endian writer).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "berth/util/dbus.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace berth::dbus;
    const std::span<const uint8_t> bytes(data, size);
    if (size >= kFixedHeaderSize) {
        // The stream reader trusts this to say how much to read before unmarshal.
        auto announced = message_size(bytes.first<kFixedHeaderSize>());
        if (announced && (*announced < kFixedHeaderSize || *announced > kMaxMessageSize)) std::abort();
    }
    auto message = unmarshal(bytes);
    if (!message) {
        if (message.error().what().empty()) std::abort();
        return 0;
    }
    if (message_size(bytes.first<kFixedHeaderSize>()).value() != size) std::abort();
    auto written = marshal(*message, message->serial);
    if (!written) std::abort();
    auto again = unmarshal(*written);
    if (!again || !(*again == *message)) std::abort();
    return 0;
}
