// Reading and writing the spec's JSON documents (RapidJSON underneath).
//
// Parsing is strict about types and enum values and ignores unknown
// properties, as the spec requires. Every error names the document and the
// JSON path, e.g.
//   config.json: linux.resources.memory.limit: expected integer, got string
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "oci/spec.hpp"

namespace oci {

// `document` names the input in error messages ("config.json", "process.json", ...).
berth::Result<Spec> parse_config(std::string_view json, std::string_view document = "config.json");
// Reads and parses a config file; errors name the file.
berth::Result<Spec> load_config(const std::string& path);
// The process JSON of `exec --process`.
berth::Result<Process> parse_process(std::string_view json, std::string_view document = "process.json");
// LinuxResources JSON as `update --resources` reads it.
berth::Result<Resources> parse_resources(std::string_view json, std::string_view document = "resources");
berth::Result<State> parse_state(std::string_view json, std::string_view document = "state.json");
berth::Result<Features> parse_features(std::string_view json, std::string_view document = "features.json");
berth::Result<ContainerProcessState> parse_container_process_state(std::string_view json,
                                                                   std::string_view document = "containerProcessState");

std::string write_config(const Spec& spec, bool pretty = true);
std::string write_state(const State& state, bool pretty = false);
std::string write_features(const Features& features, bool pretty = true);
std::string write_container_process_state(const ContainerProcessState& state);  // compact, as runc sends it
std::string write_process(const Process& process, bool pretty = false);
std::string write_resources(const Resources& resources, bool pretty = false);

}  // namespace oci
