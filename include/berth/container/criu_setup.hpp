// What checkpoint.cpp and restore.cpp share: CRIU's directories, the options
// both requests carry, the external mounts, CRIU's answer as an error.
#pragma once

#include <string>

#include "berth/container/checkpoint.hpp"
#include "berth/util/criu_rpc.hpp"
#include "berth/util/fd.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::container {

inline constexpr const char* kDescriptorsFile = "descriptors.json";  // runc's name: stdio as /proc/PID/fd shows it
inline constexpr const char* kExtNetNs = "extRootNetNS";              // runc's key for a joined network namespace
// A CRIU configuration file for this container, instead of /etc/criu/berth.conf.
inline constexpr const char* kCriuConfigAnnotation = "org.criu.config";

// The CRIU binary, checked to answer a VERSION request (runc's "CRIU version
// check failed: ..." when it cannot, 3.0 at least), and its version (31700 for 3.17).
struct Criu {
    std::string path;
    int version = 0;
};
Result<Criu> usable_criu(const std::string& criu);

// --image-path and --work-path, opened; `make` (checkpoint) creates missing
// ones 0700 and remembers it, so a failed dump removes them again.
struct CriuDirs {
    std::string images_path, work_path;
    UniqueFd images, work;
    bool made_images = false, made_work = false;
    // Removes what was made (a failed checkpoint).
    void remove_made() const;
};
Result<CriuDirs> open_criu_dirs(const CriuOptions& options, bool make);

// The request options both commands take from their flags and the config.
Result<criu::Options> base_options(const CriuOptions& options, const CriuDirs& dirs, const oci::Spec& spec);

// Bind mounts (type "bind" or a bind option), by destination.
bool is_bind_mount(const oci::Mount& mount);
// "cgroup"/"cgroup2" mounts: the container's cgroup, bound from the host's
// (linux/mount_cgroup.hpp), a slave CRIU cannot dump from inside.
bool is_cgroup_mount(const oci::Mount& mount);

// A CRIU answer with success = false as one line: runc's "criu failed: type
// DUMP errno N", CRIU's message, and the log's last errors with its path.
Error criu_failed(const criu::Response& response, const CriuDirs& dirs, const std::string& log_file);

// The path of a network namespace the container joins, "" when it has its own.
std::string joined_netns(const oci::Spec& spec);

}  // namespace berth::container
