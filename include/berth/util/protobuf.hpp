// The protobuf (proto2) wire format, as much of it as berth's CRIU client
// needs (util/criu_rpc.hpp): varints, length-delimited fields and nested
// messages. Our own instead of libprotobuf: CRIU's RPC uses a dozen message
// types of which berth writes two and reads one, and libprotobuf would bring
// a large C++ runtime (and descriptors, reflection, arenas) into a static
// binary with a 2 MiB budget.
//
// Reader is strict: it parses what another process sent, so a truncated
// field, a varint longer than ten bytes, field number 0 and the deprecated
// group wire types are errors, and a length is never trusted beyond the bytes
// that back it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "berth/util/result.hpp"

namespace berth::protobuf {

enum class WireType : uint8_t { varint = 0, fixed64 = 1, bytes = 2, fixed32 = 5 };

class Writer {
public:
    void varint(uint32_t field, uint64_t value);
    void boolean(uint32_t field, bool value) { varint(field, value ? 1 : 0); }
    // A negative int32 is sign-extended to 64 bits (ten bytes), as protobuf encodes it.
    void int32(uint32_t field, int32_t value) { varint(field, static_cast<uint64_t>(static_cast<int64_t>(value))); }
    void bytes(uint32_t field, std::string_view value);
    void message(uint32_t field, const Writer& inner) { bytes(field, inner.data()); }
    const std::string& data() const { return out_; }

private:
    void tag(uint32_t field, WireType type);
    void raw_varint(uint64_t value);
    std::string out_;
};

struct Field {
    uint32_t number = 0;
    WireType type = WireType::varint;
    uint64_t value = 0;      // varint, fixed32, fixed64
    std::string_view bytes;  // length-delimited: a string or a nested message

    // int32 as protobuf reads it: the low 32 bits of the varint.
    int32_t int32() const { return static_cast<int32_t>(static_cast<uint32_t>(value)); }
    bool boolean() const { return value != 0; }
};

// Reads a message's fields in order (a repeated field appears once per value).
class Reader {
public:
    explicit Reader(std::string_view data) : rest_(data) {}
    // The next field, or nullopt at the end of the message.
    Result<std::optional<Field>> next();

private:
    Result<uint64_t> read_varint();
    std::string_view rest_;
};

}  // namespace berth::protobuf
