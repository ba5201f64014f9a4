#include "berth/util/protobuf.hpp"

#include <cstring>

namespace berth::protobuf {

void Writer::raw_varint(uint64_t value) {
    while (value >= 0x80) {
        out_.push_back(static_cast<char>((value & 0x7f) | 0x80));
        value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
}

void Writer::tag(uint32_t field, WireType type) {
    raw_varint((uint64_t{field} << 3) | static_cast<uint8_t>(type));
}

void Writer::varint(uint32_t field, uint64_t value) {
    tag(field, WireType::varint);
    raw_varint(value);
}

void Writer::bytes(uint32_t field, std::string_view value) {
    tag(field, WireType::bytes);
    raw_varint(value.size());
    out_.append(value);
}

Result<uint64_t> Reader::read_varint() {
    uint64_t value = 0;
    for (int i = 0; i < 10; ++i) {
        if (rest_.empty()) return Error::msg("protobuf: truncated varint");
        const auto byte = static_cast<uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        // The tenth byte holds bit 63 alone.
        if (i == 9 && byte > 1) return Error::msg("protobuf: varint overflows 64 bits");
        value |= uint64_t{byte & 0x7fu} << (7 * i);
        if ((byte & 0x80) == 0) return value;
    }
    return Error::msg("protobuf: varint longer than 10 bytes");
}

Result<std::optional<Field>> Reader::next() {
    if (rest_.empty()) return std::optional<Field>();
    BERTH_TRY_ASSIGN(uint64_t key, read_varint());
    Field f;
    const uint64_t number = key >> 3;
    if (number == 0 || number > 0x1fffffff) return Error::msg("protobuf: invalid field number " + std::to_string(number));
    f.number = static_cast<uint32_t>(number);
    const auto fixed = [&](size_t size) -> Status {
        if (rest_.size() < size) return Error::msg("protobuf: truncated field " + std::to_string(number));
        uint64_t v = 0;
        std::memcpy(&v, rest_.data(), size);  // little-endian on every host berth runs on
        f.value = v;
        rest_.remove_prefix(size);
        return {};
    };
    switch (key & 7) {
        case 0: {
            f.type = WireType::varint;
            BERTH_TRY_ASSIGN(f.value, read_varint());
            break;
        }
        case 1:
            f.type = WireType::fixed64;
            BERTH_TRY(fixed(8));
            break;
        case 2: {
            f.type = WireType::bytes;
            BERTH_TRY_ASSIGN(uint64_t length, read_varint());
            if (length > rest_.size()) return Error::msg("protobuf: field " + std::to_string(number) + " longer than its message");
            f.bytes = rest_.substr(0, length);
            rest_.remove_prefix(length);
            break;
        }
        case 5:
            f.type = WireType::fixed32;
            BERTH_TRY(fixed(4));
            break;
        default:
            return Error::msg("protobuf: field " + std::to_string(number) + ": unsupported wire type " + std::to_string(key & 7));
    }
    return std::optional<Field>(f);
}

}  // namespace berth::protobuf
