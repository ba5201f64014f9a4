// libFuzzer harness: oci::parse_state (see oci_document_fuzzer.hpp).
#include "oci_document_fuzzer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return berth::fuzz::fuzz_oci_document(
        data, size, [](std::string_view json) { return oci::parse_state(json); },
        [](const oci::State& value) { return oci::write_state(value); });
}
