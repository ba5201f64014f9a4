// Seccomp filter preparation for Docker's default profile: compiling with
// libseccomp on every container start vs. a hit in berth's compiled-filter
// cache (seccomp_cache.hpp), and the one-time miss that fills the cache.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "berth/linux/seccomp_cache.hpp"
#include "oci/parser.hpp"

namespace bl = berth::linux_setup;

namespace {

oci::Seccomp profile(const char* config) {
    auto spec = oci::load_config(std::string(BERTH_TEST_DATA) + "/configs/" + config);
    if (!spec || !spec->linux || !spec->linux->seccomp) std::abort();
    return *spec->linux->seccomp;
}

struct TempRoot {
    TempRoot() {
        char tmpl[] = "/tmp/berth-seccomp-bench-XXXXXX";
        if (mkdtemp(tmpl) == nullptr) std::abort();
        path = tmpl;
    }
    ~TempRoot() { std::filesystem::remove_all(path); }
    std::string path;
};

void BM_SeccompCompile(benchmark::State& state, const char* config) {
    const oci::Seccomp s = profile(config);
    for (auto _ : state) {
        auto prog = bl::compile_seccomp(s);
        if (!prog) state.SkipWithError(prog.error().what().c_str());
        benchmark::DoNotOptimize(prog);
    }
}

void BM_SeccompCacheHit(benchmark::State& state, const char* config) {
    const oci::Seccomp s = profile(config);
    TempRoot root;
    if (!bl::compile_seccomp_cached(s, root.path)) std::abort();  // fill the cache
    for (auto _ : state) {
        auto prog = bl::compile_seccomp_cached(s, root.path);
        if (!prog) state.SkipWithError(prog.error().what().c_str());
        benchmark::DoNotOptimize(prog);
    }
}

void BM_SeccompCacheMiss(benchmark::State& state, const char* config) {
    const oci::Seccomp s = profile(config);
    for (auto _ : state) {
        state.PauseTiming();
        auto root = std::make_unique<TempRoot>();
        state.ResumeTiming();
        auto prog = bl::compile_seccomp_cached(s, root->path);
        if (!prog) state.SkipWithError(prog.error().what().c_str());
        benchmark::DoNotOptimize(prog);
        state.PauseTiming();
        root.reset();
        state.ResumeTiming();
    }
}

}  // namespace

BENCHMARK_CAPTURE(BM_SeccompCompile, docker, "docker-largest.json")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SeccompCacheHit, docker, "docker-largest.json")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SeccompCacheMiss, docker, "docker-largest.json")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SeccompCompile, podman, "podman-largest.json")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SeccompCacheHit, podman, "podman-largest.json")->Unit(benchmark::kMicrosecond);
