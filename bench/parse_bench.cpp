// The parse of config.json is on `create`'s hot path: measure it on the
// largest real config (podman's, with a full seccomp profile), and the
// state.json write every command does.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "oci/parser.hpp"

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void BM_ParsePodmanLargest(benchmark::State& state) {
    const std::string json = read_text(std::string(BERTH_TEST_DATA) + "/configs/podman-largest.json");
    if (!oci::parse_config(json).ok()) return state.SkipWithError("podman-largest.json does not parse");
    for (auto _ : state) {
        auto spec = oci::parse_config(json);
        benchmark::DoNotOptimize(spec);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));
}
BENCHMARK(BM_ParsePodmanLargest);

void BM_WriteState(benchmark::State& state) {
    const oci::State st{"1.3.0", "c0ffee", "running", 4242, "/run/bundles/c0ffee", "/run/bundles/c0ffee/rootfs",
                        "2026-11-22T16:00:00.123456789Z", "", {{"io.kubernetes.cri.container-type", "container"}}};
    for (auto _ : state) {
        std::string json = oci::write_state(st);
        benchmark::DoNotOptimize(json);
    }
}
BENCHMARK(BM_WriteState);

void BM_WriteConfigPodmanLargest(benchmark::State& state) {
    auto spec = oci::parse_config(read_text(std::string(BERTH_TEST_DATA) + "/configs/podman-largest.json"));
    if (!spec.ok()) return state.SkipWithError("podman-largest.json does not parse");
    for (auto _ : state) {
        std::string json = oci::write_config(*spec, false);
        benchmark::DoNotOptimize(json);
    }
}
BENCHMARK(BM_WriteConfigPodmanLargest);

}  // namespace
