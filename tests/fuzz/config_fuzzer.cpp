// libFuzzer harness: oci::parse_config (see oci_document_fuzzer.hpp).
#include "oci_document_fuzzer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return berth::fuzz::fuzz_oci_document(
        data, size, [](std::string_view json) { return oci::parse_config(json); },
        [](const oci::Spec& value) { return oci::write_config(value, false); });
}
