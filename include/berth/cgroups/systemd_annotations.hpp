// "org.systemd.property.<Name>" annotations: extra properties of the
// container's systemd unit (--systemd-cgroup), as runc takes them.
//
//   "org.systemd.property.TimeoutStopUSec": "uint64 123456789"
//   "org.systemd.property.TimeoutStopSec":  "123"            -> TimeoutStopUSec uint64 123000000
//   "org.systemd.property.CollectMode":     "'inactive-or-failed'"
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "berth/util/dbus_value.hpp"
#include "berth/util/result.hpp"

namespace berth::cgroups::systemd {

inline constexpr std::string_view kPropertyAnnotationPrefix = "org.systemd.property.";

// The properties of the annotations with kPropertyAnnotationPrefix, in key
// order; the others are not ours. As runc: the name is 3 or more ASCII letters;
// a name ending in a lowercase letter and "Sec" (TimeoutStopSec) becomes its
// "USec" property with the number of seconds as uint64 microseconds. Refused
// (runc takes them and breaks): Slice and PIDs, which berth decides (the unit's
// cgroup is where linux.cgroupsPath says, its processes are the container's).
// Errors name the annotation: `config.json: annotations["org.systemd.property.X"] "v": ...`.
Result<std::vector<dbus::Property>> annotation_properties(const std::map<std::string, std::string>& annotations);

// A value in GVariant text format (GLib's, as godbus parses it for runc), the
// part of it unit properties use: booleans (true, false), numbers (decimal,
// 0x hex, 0 octal; untyped integers are int32, untyped numbers with '.' or an
// exponent double), strings ('..' or ".." with \ escapes), arrays ([a, b]) of
// one type, each optionally after a type keyword (byte int16 uint16 int32
// uint32 int64 uint64 double boolean string objectpath signature) or "@<sig>"
// for these types and arrays of them ("@as []"). Variants, dictionaries,
// tuples, byte strings and maybe types are refused.
Result<dbus::Value> parse_gvariant(std::string_view text);

}  // namespace berth::cgroups::systemd
