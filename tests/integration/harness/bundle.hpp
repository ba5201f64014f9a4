// OCI bundles for integration tests: a busybox rootfs (with the probe at
// /bin/probe) and a config held as an oci::Spec the test can edit.
#pragma once

#include <string>

#include "oci/spec.hpp"

namespace berth::test {

// Where the probe is inside every test rootfs (also on PATH as "probe").
inline constexpr const char* kProbePath = "/bin/probe";

class Bundle {
public:
    // Copies the cached busybox rootfs into `dir`/rootfs and starts from the
    // default spec (tests/setup/make-bundle.sh's config.json) with
    // process.args = {kProbePath} and linux.cgroupsPath = `cgroups_path`.
    static Bundle create(const std::string& dir, const std::string& cgroups_path);

    const std::string& path() const { return path_; }
    std::string rootfs() const { return path_ + "/rootfs"; }
    std::string config_path() const { return path_ + "/config.json"; }

    // Writes `spec` to config.json with oci::write_config.
    void write() const;

    // The config; edit it in the test, then write() (run helpers write it for you).
    oci::Spec spec;

private:
    explicit Bundle(std::string path) : path_(std::move(path)) {}
    std::string path_;
};

}  // namespace berth::test
