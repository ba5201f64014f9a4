#include "oci/parser.hpp"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "base/read.hpp"
#include "json_reader.hpp"

namespace oci {

namespace {

berth::Error invalid_json(std::string_view document, size_t offset, const char* reason) {
    return berth::Error::msg(std::string(document) + ": invalid JSON at offset " + std::to_string(offset) + ": " + reason);
}

template <class T>
berth::Result<T> parse_document(std::string_view json, std::string_view document) {
    // In-situ parsing (strings stay in our copy of the text) is the fastest
    // RapidJSON mode; it ends at a NUL, so a NUL inside the text is refused
    // rather than silently ending the document there.
    if (const void* nul = std::memchr(json.data(), '\0', json.size())) {
        return invalid_json(document, static_cast<const char*>(nul) - json.data(), "NUL byte in the text");
    }
    std::string text(json);
    rapidjson::Document doc;
    doc.ParseInsitu(text.data());
    if (doc.HasParseError()) {
        return invalid_json(document, doc.GetErrorOffset(), rapidjson::GetParseError_En(doc.GetParseError()));
    }
    T out{};
    detail::Failure failure;
    const detail::Path root;
    detail::read_value(doc, root, out, failure);
    if (failure.failed()) return berth::Error::msg(std::string(document) + ": " + failure.message());
    return out;
}

}  // namespace

berth::Result<Spec> parse_config(std::string_view json, std::string_view document) {
    return parse_document<Spec>(json, document);
}

berth::Result<Spec> load_config(const std::string& path) {
    BERTH_TRY_ASSIGN(std::string json, berth::read_file(path));
    return parse_config(json, path);
}

berth::Result<Process> parse_process(std::string_view json, std::string_view document) {
    return parse_document<Process>(json, document);
}

berth::Result<Resources> parse_resources(std::string_view json, std::string_view document) {
    return parse_document<Resources>(json, document);
}

berth::Result<ContainerProcessState> parse_container_process_state(std::string_view json, std::string_view document) {
    return parse_document<ContainerProcessState>(json, document);
}

berth::Result<State> parse_state(std::string_view json, std::string_view document) {
    return parse_document<State>(json, document);
}

berth::Result<Features> parse_features(std::string_view json, std::string_view document) {
    return parse_document<Features>(json, document);
}

}  // namespace oci
