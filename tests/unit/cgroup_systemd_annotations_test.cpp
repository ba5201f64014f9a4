#include <gtest/gtest.h>

#include "berth/cgroups/systemd_annotations.hpp"

using namespace berth;
using namespace berth::cgroups::systemd;
using dbus::Property;
using dbus::Value;

namespace {

Result<std::vector<Property>> one(const std::string& name, const std::string& value) {
    return annotation_properties({{std::string(kPropertyAnnotationPrefix) + name, value}});
}

Property property_of(const std::string& name, const std::string& value) {
    auto props = one(name, value);
    EXPECT_TRUE(props.ok()) << name << "=" << value << ": " << props.error().what();
    EXPECT_EQ(props ? props->size() : 0u, 1u);
    return props && props->size() == 1 ? props->front() : Property{"(none)", Value::boolean(false)};
}

std::string error_of(const std::string& name, const std::string& value) {
    auto props = one(name, value);
    return props ? std::string("no error") : props.error().what();
}

}  // namespace

// runc's cases (libcontainer/specconv TestInitSystemdProps).
TEST(SystemdAnnotations, SecNamesBecomeUSecInMicroseconds) {
    EXPECT_EQ(property_of("TimeoutStopUSec", "uint64 123456789"), (Property{"TimeoutStopUSec", Value::uint64(123456789)}));
    EXPECT_EQ(property_of("TimeoutStopSec", "456"), (Property{"TimeoutStopUSec", Value::uint64(456000000)}));
    for (const char* type : {"byte", "int16", "uint16", "int32", "uint32", "int64", "uint64"})
        EXPECT_EQ(property_of("TimeoutStopSec", std::string(type) + " 234"),
                  (Property{"TimeoutStopUSec", Value::uint64(234000000)}))
            << type;
    EXPECT_EQ(property_of("TimeoutStopSec", "234.789"), (Property{"TimeoutStopUSec", Value::uint64(234789000)}));
    EXPECT_NE(error_of("TimeoutStopSec", "false").find("seconds must be a number"), std::string::npos);
    EXPECT_NE(error_of("TimeoutStopSec", "'covfefe'").find("seconds must be a number"), std::string::npos);
    EXPECT_NE(error_of("TimeoutStopSec", "-1").find("negative"), std::string::npos);
    EXPECT_NE(error_of("TimeoutStopSec", "uint64 18446744073710").find("too many seconds"), std::string::npos);
    // Only a lowercase letter before "Sec" makes it a duration name.
    EXPECT_EQ(property_of("FOOSec", "123"), (Property{"FOOSec", Value::int32(123)}));
    EXPECT_EQ(property_of("Sec", "123"), (Property{"Sec", Value::int32(123)}));
}

TEST(SystemdAnnotations, ValuesOfEachType) {
    EXPECT_EQ(property_of("CollectMode", "'inactive-or-failed'"), (Property{"CollectMode", Value::string("inactive-or-failed")}));
    EXPECT_EQ(property_of("CollectMode", "\"inactive-or-failed\""), (Property{"CollectMode", Value::string("inactive-or-failed")}));
    EXPECT_EQ(property_of("Delegate", "true"), (Property{"Delegate", Value::boolean(true)}));
    EXPECT_EQ(property_of("CPUWeight", "@t 5"), (Property{"CPUWeight", Value::uint64(5)}));
    EXPECT_EQ(property_of("Nice", "int32 -5"), (Property{"Nice", Value::int32(-5)}));
    EXPECT_EQ(property_of("Value", "-2147483648"), (Property{"Value", Value::int32(INT32_MIN)}));
    EXPECT_EQ(property_of("Value", "int64 -9223372036854775808"), (Property{"Value", Value::int64(INT64_MIN)}));
    EXPECT_EQ(property_of("Value", "uint64 18446744073709551615"), (Property{"Value", Value::uint64(UINT64_MAX)}));
    EXPECT_EQ(property_of("Value", "uint32 0x10"), (Property{"Value", Value::uint32(16)}));
    EXPECT_EQ(property_of("Value", "uint32 010"), (Property{"Value", Value::uint32(8)}));
    EXPECT_EQ(property_of("Value", "byte 255"), (Property{"Value", Value::byte(255)}));
    EXPECT_EQ(property_of("Value", "int16 -32768"), (Property{"Value", Value::int16(INT16_MIN)}));
    EXPECT_EQ(property_of("Value", "uint16 65535"), (Property{"Value", Value::uint16(65535)}));
    EXPECT_EQ(property_of("Value", "double 1.5"), (Property{"Value", Value::double_(1.5)}));
    EXPECT_EQ(property_of("Value", "2e3"), (Property{"Value", Value::double_(2000)}));
    EXPECT_EQ(property_of("Value", "objectpath '/org/x'"), (Property{"Value", Value::object_path("/org/x")}));
    EXPECT_EQ(property_of("Value", "'a\\'b\\n'"), (Property{"Value", Value::string("a'b\n")}));
}

TEST(SystemdAnnotations, Arrays) {
    EXPECT_EQ(property_of("Wants", "['a.service', \"b.service\"]"),
              (Property{"Wants", Value::array("s", {Value::string("a.service"), Value::string("b.service")})}));
    EXPECT_EQ(property_of("Value", "[uint64 1, 2]"),
              (Property{"Value", Value::array("t", {Value::uint64(1), Value::uint64(2)})}));
    EXPECT_EQ(property_of("Value", "@at [1, 2]"), (Property{"Value", Value::array("t", {Value::uint64(1), Value::uint64(2)})}));
    EXPECT_EQ(property_of("Value", "@as []"), (Property{"Value", Value::array("s", {})}));
    EXPECT_EQ(property_of("Value", "[[1], []]"),
              (Property{"Value", Value::array("ai", {Value::array("i", {Value::int32(1)}), Value::array("i", {})})}));
    EXPECT_NE(error_of("Value", "[]").find("empty array"), std::string::npos);
    EXPECT_NE(error_of("Value", "[1, 'a']").find("string is not a \"i\""), std::string::npos);
    EXPECT_NE(error_of("Value", "[1, 2.5]").find("\"2.5\" is not a \"i\""), std::string::npos);
    EXPECT_NE(error_of("Value", "[1, uint64 2]").find("\"t\" value where \"i\""), std::string::npos);
    EXPECT_NE(error_of("Value", "[1 2]").find("expected ',' or ']'"), std::string::npos);
    EXPECT_NE(error_of("Value", "[1,").find("value is missing"), std::string::npos);
}

TEST(SystemdAnnotations, OnlyThePrefixedAnnotationsInKeyOrder) {
    auto props = annotation_properties({{"some.other.annotation", "0"},
                                        {"org.systemd.property.CollectMode", "'inactive-or-failed'"},
                                        {"org.systemd.property.Bxx", "true"},
                                        {"org.systemd.propertyX", "junk"}});
    ASSERT_TRUE(props.ok()) << props.error().what();
    EXPECT_EQ(*props, (std::vector<Property>{{"Bxx", Value::boolean(true)},
                                             {"CollectMode", Value::string("inactive-or-failed")}}));
}

TEST(SystemdAnnotations, BadNamesAreRefused) {
    EXPECT_EQ(error_of("Xo", "1"),
              "config.json: annotations[\"org.systemd.property.Xo\"] \"1\": the property name \"Xo\" is shorter than 3 letters");
    EXPECT_NE(error_of("Number1", "1").find("other than ASCII letters"), std::string::npos);
    EXPECT_NE(error_of("Slice", "'x.slice'").find("is berth's to set"), std::string::npos);
    EXPECT_NE(error_of("PIDs", "@au [1]").find("is berth's to set"), std::string::npos);
}

TEST(SystemdAnnotations, BadValuesAreRefusedNamingTheAnnotation) {
    EXPECT_EQ(error_of("ValidName", "invalid-value"),
              "config.json: annotations[\"org.systemd.property.ValidName\"] \"invalid-value\": \"invalid-value\" is not a "
              "value (strings need quotes)");
    EXPECT_NE(error_of("Value", "").find("value is missing"), std::string::npos);
    EXPECT_NE(error_of("Value", "1 2").find("after the value"), std::string::npos);
    EXPECT_NE(error_of("Value", "'open").find("not closed"), std::string::npos);
    EXPECT_NE(error_of("Value", "<1>").find("not supported"), std::string::npos);
    EXPECT_NE(error_of("Value", "{'a': 1}").find("not supported"), std::string::npos);
    EXPECT_NE(error_of("Value", "@(ss) ('a', 'b')").find("not supported"), std::string::npos);
    EXPECT_NE(error_of("Value", "@(ss) x").find("type \"(ss)\" is not supported"), std::string::npos);
    EXPECT_NE(error_of("Value", "@v 1").find("type \"v\" is not supported"), std::string::npos);
    EXPECT_NE(error_of("Value", "byte 256").find("out of range"), std::string::npos);
    EXPECT_NE(error_of("Value", "uint32 -1").find("out of range"), std::string::npos);
    EXPECT_NE(error_of("Value", "2147483648").find("out of range"), std::string::npos);  // untyped is int32
    EXPECT_NE(error_of("Value", "uint64 1.5").find("is not a \"t\""), std::string::npos);
    EXPECT_NE(error_of("Value", "uint64 'x'").find("string is not a \"t\""), std::string::npos);
    EXPECT_NE(error_of("Value", "boolean 1").find("is not a \"b\""), std::string::npos);
    EXPECT_NE(error_of("Value", "int32").find("value is missing"), std::string::npos);
    EXPECT_NE(error_of("Value", "08").find("not an integer"), std::string::npos);
    EXPECT_NE(error_of("Value", "'\\u00e9'").find("not supported"), std::string::npos);
}
