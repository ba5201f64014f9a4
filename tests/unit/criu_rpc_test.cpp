// The protobuf wire format (util/protobuf.hpp) and CRIU's RPC messages
// (util/criu_rpc.hpp): bytes checked against what protoc-generated code
// writes for rpc.proto, and the reader's refusals.
#include <gtest/gtest.h>

#include <sched.h>

#include <string>

#include "berth/util/criu_rpc.hpp"
#include "berth/util/protobuf.hpp"

namespace {

using namespace berth;
using std::string_literals::operator""s;

TEST(Protobuf, WritesVarintsAndLengthDelimitedFields) {
    protobuf::Writer w;
    w.varint(1, 150);        // the specification's example: 08 96 01
    w.bytes(2, "testing");   // 12 07 74 65 73 74 69 6e 67
    w.int32(3, -1);          // negative int32: ten bytes
    EXPECT_EQ(w.data(), "\x08\x96\x01\x12\x07testing\x18\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"s);
}

TEST(Protobuf, ReadsWhatItWrites) {
    protobuf::Writer inner;
    inner.bytes(1, "k");
    protobuf::Writer w;
    w.varint(1, 300);
    w.message(23, inner);
    w.int32(2, -5);
    protobuf::Reader r(w.data());
    auto a = r.next().value().value();
    EXPECT_EQ(a.number, 1u);
    EXPECT_EQ(a.value, 300u);
    auto b = r.next().value().value();
    EXPECT_EQ(b.number, 23u);
    EXPECT_EQ(b.type, protobuf::WireType::bytes);
    EXPECT_EQ(b.bytes, "\x0a\x01k"s);
    auto c = r.next().value().value();
    EXPECT_EQ(c.int32(), -5);
    EXPECT_FALSE(r.next().value().has_value());
}

TEST(Protobuf, SkipsFixedWidthFields) {
    const std::string bytes = "\x09\x01\x02\x03\x04\x05\x06\x07\x08\x15\x01\x02\x03\x04"s;
    protobuf::Reader r(bytes);
    EXPECT_EQ(r.next().value()->type, protobuf::WireType::fixed64);
    EXPECT_EQ(r.next().value()->type, protobuf::WireType::fixed32);
    EXPECT_FALSE(r.next().value().has_value());
}

TEST(Protobuf, RefusesMalformedInput) {
    for (const std::string& bad : {
             "\x08"s,                                              // varint missing
             "\x08\x80"s,                                          // varint truncated
             "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"s,      // more than 64 bits
             "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"s,  // eleven bytes
             "\x12\x05"s "abc",                                    // length beyond the message
             "\x12\xff\xff\xff\xff\x0f"s,                          // huge length
             "\x00\x01"s,                                          // field number 0
             "\x0b"s,                                              // group start (wire type 3)
             "\x0c"s,                                              // group end (4)
             "\x0e\x00"s,                                          // wire type 6
             "\x09\x01\x02"s,                                      // fixed64 truncated
         }) {
        protobuf::Reader r(bad);
        auto f = r.next();
        EXPECT_FALSE(f.ok()) << testing::PrintToString(bad);
    }
}

TEST(CriuRpc, EncodesADumpRequestAsProtocDoes) {
    criu::Options o;
    o.images_dir_fd = 4;
    o.work_dir_fd = 5;
    o.pid = 1234;
    o.log_file = "dump.log";
    o.tcp_established = true;
    o.ext_mounts = {{"/etc/hosts", "/etc/hosts"}};
    o.manage_cgroups = true;
    o.manage_cgroups_mode = criu::CgroupMode::soft;
    o.empty_ns = CLONE_NEWNET;
    criu::Request request;
    request.type = criu::RequestType::dump;
    request.options = o;
    const std::string bytes = criu::encode(request);
    // Fields in number order, as protoc writes them.
    const std::string ext = "\x0a\x0a/etc/hosts\x12\x0a/etc/hosts"s;
    const std::string opts = "\x08\x04"s "\x10\xd2\x09"s "\x28\x01"s "\x48\x04"s "\x52\x08"s "dump.log" "\x88\x01\x05"s +
                             "\xba\x01"s + static_cast<char>(ext.size()) + ext + "\xc0\x01\x01"s + "\x90\x02\x03"s +
                             "\xb0\x02\x80\x80\x80\x80\x04"s;
    EXPECT_EQ(bytes, "\x08\x01\x12"s + static_cast<char>(opts.size()) + opts);
}

TEST(CriuRpc, EncodesTheAnswerToANotification) {
    criu::Request answer;
    answer.type = criu::RequestType::notify;
    EXPECT_EQ(criu::encode(answer), "\x08\x06"s);
    answer.notify_success = true;
    EXPECT_EQ(criu::encode(answer), "\x08\x06\x18\x01"s);
}

TEST(CriuRpc, DecodesResponses) {
    // type RESTORE, success, restore { pid: 4242 }, an unknown field 11 (status) skipped.
    auto restored = criu::decode_response("\x08\x02\x10\x01\x22\x03\x08\x92\x21\x58\x00"s);
    ASSERT_TRUE(restored.ok()) << restored.error().what();
    EXPECT_EQ(restored->type, criu::RequestType::restore);
    EXPECT_TRUE(restored->success);
    EXPECT_EQ(restored->restored_pid, 4242);

    // NOTIFY setup-namespaces for pid 7.
    auto notify = criu::decode_response("\x08\x06\x10\x01\x2a\x14\x0a\x10setup-namespaces\x10\x07"s);
    ASSERT_TRUE(notify.ok()) << notify.error().what();
    EXPECT_EQ(notify->notify_script, "setup-namespaces");
    EXPECT_EQ(notify->notify_pid, 7);

    // A failed DUMP: errno and message.
    auto failed = criu::decode_response("\x08\x01\x10\x00\x38\x16\x4a\x04oops"s);
    ASSERT_TRUE(failed.ok());
    EXPECT_FALSE(failed->success);
    EXPECT_EQ(failed->cr_errno, 22);
    EXPECT_EQ(failed->cr_errmsg, "oops");

    // VERSION 3.17.1.
    auto version = criu::decode_response("\x08\x0a\x10\x01\x52\x06\x08\x03\x10\x11\x20\x01"s);
    ASSERT_TRUE(version.ok());
    ASSERT_TRUE(version->version);
    EXPECT_EQ(version->version->number(), 31701);
}

TEST(CriuRpc, RefusesResponsesMissingRequiredFieldsOrWithWrongTypes) {
    for (const std::string& bad : {
             ""s,                                  // no type, no success
             "\x08\x01"s,                          // no success
             "\x10\x01"s,                          // no type
             "\x08\x02\x10\x01\x22\x00"s,          // restore without its pid
             "\x08\x0a\x10\x01\x52\x02\x08\x03"s,  // version without minor
             "\x0a\x01x\x10\x01"s,                 // type as bytes
             "\x08\x06\x10\x01\x2a\x02\x08\x01"s,  // notify.script as a varint
         }) {
        EXPECT_FALSE(criu::decode_response(bad).ok()) << testing::PrintToString(bad);
    }
}

TEST(CriuRpc, ResponsesRoundTrip) {
    criu::Response r;
    r.type = criu::RequestType::feature_check;
    r.success = true;
    r.mem_track = true;
    r.lazy_pages = false;
    r.cr_errmsg = "x";
    r.version = criu::Version{3, 17, 0};
    auto back = criu::decode_response(criu::encode_response(r));
    ASSERT_TRUE(back.ok()) << back.error().what();
    EXPECT_EQ(*back, r);
}

TEST(CriuRpc, CgroupModesAreRuncs) {
    EXPECT_EQ(criu::parse_cgroup_mode("soft").value(), criu::CgroupMode::soft);
    EXPECT_EQ(criu::parse_cgroup_mode("full").value(), criu::CgroupMode::full);
    EXPECT_EQ(criu::parse_cgroup_mode("strict").value(), criu::CgroupMode::strict);
    EXPECT_EQ(criu::parse_cgroup_mode("ignore").value(), criu::CgroupMode::ignore);
    auto bad = criu::parse_cgroup_mode("props");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().what(), "Invalid manage cgroups mode");
}

TEST(CriuRpc, FindsCriuInPathOrSaysWhatIsMissing) {
    auto missing = criu::find_criu("berth-no-such-criu");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().what(), "exec: \"berth-no-such-criu\": executable file not found in $PATH");
    auto path = criu::find_criu("/no/such/criu");
    ASSERT_FALSE(path.ok());
    EXPECT_EQ(path.error().what(), "exec: \"/no/such/criu\": stat /no/such/criu: No such file or directory");
    EXPECT_EQ(criu::find_criu("/bin/sh").value(), "/bin/sh");
}

}  // namespace
