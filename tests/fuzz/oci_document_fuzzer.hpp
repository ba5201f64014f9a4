// One libFuzzer body for the four OCI JSON documents: the input must either be
// refused with an error or parse into a value whose JSON form is stable
// (parse -> write -> parse -> write gives the same text twice). A crash, a
// sanitizer report or an unstable round trip is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "oci/parser.hpp"

namespace berth::fuzz {

template <class Parse, class Write>
int fuzz_oci_document(const uint8_t* data, size_t size, Parse parse, Write write) {
    std::string_view json(reinterpret_cast<const char*>(data), size);
    auto parsed = parse(json);
    if (!parsed.ok()) {
        // Errors must say something: managers show this line to users.
        if (parsed.error().what().empty()) std::abort();
        return 0;
    }
    std::string first = write(*parsed);
    auto reparsed = parse(first);
    if (!reparsed.ok()) {
        std::fprintf(stderr, "written document does not parse: %s\n%s\n", reparsed.error().what().c_str(),
                     first.c_str());
        std::abort();
    }
    std::string second = write(*reparsed);
    if (first != second) {
        std::fprintf(stderr, "round trip is not stable:\n%s\n---\n%s\n", first.c_str(), second.c_str());
        std::abort();
    }
    return 0;
}

}  // namespace berth::fuzz
