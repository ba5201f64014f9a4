#include "harness/bundle.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "harness/run.hpp"
#include "oci/parser.hpp"

namespace fs = std::filesystem;

namespace berth::test {
namespace {

// The template bundle made by make-bundle.sh once per version of the script
// and shared by every test process (ctest runs each test in its own, several
// at a time). Built under a temporary name and renamed into place: a process
// that loses the race uses the winner's and drops its own.
const std::string& template_bundle() {
    static const std::string path = [] {
        const std::string cache = BERTH_TEST_CACHE;
        const auto version = fs::last_write_time(BERTH_MAKE_BUNDLE).time_since_epoch().count();
        const std::string dest = cache + "/busybox-bundle-" + std::to_string(version);
        std::error_code ec;
        if (fs::exists(dest + "/config.json", ec)) return dest;

        fs::create_directories(cache);
        const std::string tmp = cache + "/tmp-" + std::to_string(getpid());
        fs::remove_all(tmp, ec);
        RunResult made = run_command({"bash", BERTH_MAKE_BUNDLE, tmp + "/bundle", kProbePath}, tmp + "-make");
        if (made.exit_code != 0) throw std::runtime_error("make-bundle.sh failed: " + made.describe());
        fs::rename(tmp + "/bundle", dest, ec);
        fs::remove_all(tmp, ec);
        for (const char* suffix : {"-make.in", "-make.out", "-make.err"}) fs::remove(tmp + suffix, ec);
        if (!fs::exists(dest + "/config.json", ec)) throw std::runtime_error("no template bundle at " + dest);
        return dest;
    }();
    return path;
}

const oci::Spec& template_spec() {
    static const oci::Spec spec = [] {
        auto loaded = oci::load_config(template_bundle() + "/config.json");
        if (!loaded) throw std::runtime_error("default config: " + loaded.error().what());
        return *loaded;
    }();
    return spec;
}

}  // namespace

Bundle Bundle::create(const std::string& dir, const std::string& cgroups_path) {
    Bundle bundle(dir);
    fs::create_directories(dir);
    // Ownership and modes matter (/tmp 1777, /home/berth 1000:1000): copy as-is.
    RunResult copied = run_command({"cp", "-a", template_bundle() + "/rootfs", bundle.rootfs()}, dir + "/.cp");
    if (copied.exit_code != 0) throw std::runtime_error("copy rootfs: " + copied.describe());
    fs::copy_file(BERTH_TEST_PROBE, bundle.rootfs() + kProbePath, fs::copy_options::overwrite_existing);
    for (const char* f : {"/.cp.in", "/.cp.out", "/.cp.err"}) fs::remove(dir + f);

    bundle.spec = template_spec();
    bundle.spec.process->args = {kProbePath};
    if (!bundle.spec.linux) bundle.spec.linux.emplace();
    bundle.spec.linux->cgroupsPath = cgroups_path;
    return bundle;
}

void Bundle::write() const {
    std::ofstream out(config_path(), std::ios::trunc);
    out << oci::write_config(spec);
    if (!out) throw std::runtime_error("write " + config_path());
}

}  // namespace berth::test
