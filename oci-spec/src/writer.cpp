#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "json_writer.hpp"
#include "oci/parser.hpp"

namespace oci {

namespace {

// `indent` characters per level when pretty, as runc prints each document.
template <class T>
std::string write_document(const T& value, bool pretty, char indent_char, unsigned indent) {
    rapidjson::StringBuffer buffer;
    if (pretty) {
        rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
        writer.SetIndent(indent_char, indent);
        detail::write_value(writer, value);
    } else {
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        detail::write_value(writer, value);
    }
    return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::string write_config(const Spec& spec, bool pretty) { return write_document(spec, pretty, '\t', 1); }

std::string write_state(const State& state, bool pretty) { return write_document(state, pretty, ' ', 2); }

std::string write_features(const Features& features, bool pretty) {
    return write_document(features, pretty, ' ', 4);
}

std::string write_container_process_state(const ContainerProcessState& state) {
    return write_document(state, false, ' ', 0);
}

std::string write_process(const Process& process, bool pretty) { return write_document(process, pretty, '\t', 1); }

std::string write_resources(const Resources& resources, bool pretty) {
    return write_document(resources, pretty, '\t', 1);
}

}  // namespace oci
