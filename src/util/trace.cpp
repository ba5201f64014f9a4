#include "berth/util/trace.hpp"

#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "berth/util/log.hpp"

namespace berth::trace {
namespace {

// One page shared by the CLI process and every child it clones: the stamps
// of both, appended with an atomic index (no lock, no allocation).
struct Page {
    std::uint32_t count;
    std::uint32_t reserved;
    Stamp stamps[(4096 - 8) / sizeof(Stamp)];
};
static_assert(sizeof(Page) <= 4096);
constexpr std::uint32_t kSlots = sizeof(Page::stamps) / sizeof(Stamp);

Page* g_page = nullptr;
bool g_report = false;
bool g_debug = false;
bool g_to_log = false;
std::uint32_t g_child = 0;
std::uint32_t g_logged = 0;  // child stamps below this index are logged
std::uint64_t g_start_ns = 0;

std::uint64_t now_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

const char* process_name(std::uint32_t child) { return child ? "child" : "berth"; }

std::string milliseconds(std::uint64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e6);
    return buf;
}

// The stamps written so far (a reserved but unwritten slot ends the list).
std::vector<Stamp> written_stamps() {
    std::vector<Stamp> out;
    if (!g_page) return out;
    std::uint32_t n = std::min(__atomic_load_n(&g_page->count, __ATOMIC_ACQUIRE), kSlots);
    for (std::uint32_t i = 0; i < n; ++i) {
        const Stamp& s = g_page->stamps[i];
        const char* name = __atomic_load_n(&s.name, __ATOMIC_ACQUIRE);
        if (!name) break;
        out.push_back(Stamp{name, s.ns, s.child});
    }
    return out;
}

void write_stderr(const std::string& text) {
    std::string_view rest(text);
    while (!rest.empty()) {
        ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        rest.remove_prefix(static_cast<size_t>(n));
    }
}

}  // namespace

namespace detail {

bool g_active = &on_phase != nullptr;

void record(const char* name) noexcept {
    const std::uint64_t ns = now_ns();
    if (g_page) {
        std::uint32_t i = __atomic_fetch_add(&g_page->count, 1, __ATOMIC_RELAXED);
        if (i < kSlots) {
            Stamp& s = g_page->stamps[i];
            s.ns = ns;
            s.child = g_child;
            __atomic_store_n(&s.name, name, __ATOMIC_RELEASE);
        }
    }
    if (g_debug && !g_child) {
        collect_child();
        log::debug(debug_line(Stamp{name, ns, 0}, g_start_ns));
    }
    if (on_phase) on_phase(name);
}

}  // namespace detail

void enable(bool report, bool debug, bool to_log) {
    if (!report && !debug) return;
    g_report = report;
    g_debug = debug;
    g_to_log = to_log;
    g_start_ns = now_ns();
    void* page = ::mmap(nullptr, sizeof(Page), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page != MAP_FAILED) {
        g_page = static_cast<Page*>(page);
    }
    detail::g_active = true;
}

bool requested_by_environment() {
    const char* value = std::getenv("BERTH_TRACE");
    return value && *value && std::strcmp(value, "0") != 0;
}

void entered_child() noexcept { g_child = 1; }

void collect_child() {
    if (!g_debug || !g_page || g_child) return;
    std::uint32_t n = std::min(__atomic_load_n(&g_page->count, __ATOMIC_ACQUIRE), kSlots);
    for (; g_logged < n; ++g_logged) {
        const Stamp& s = g_page->stamps[g_logged];
        const char* name = __atomic_load_n(&s.name, __ATOMIC_ACQUIRE);
        if (!name) return;  // the child is writing it: next time
        if (s.child) log::debug(debug_line(Stamp{name, s.ns, s.child}, g_start_ns));
    }
}

void finish(const char* command) {
    if (g_child) return;
    collect_child();
    if (!g_report || !g_page) return;
    for (const std::string& line : summary(command, written_stamps(), g_start_ns, now_ns())) {
        if (g_to_log) {
            log::info(line);
        } else {
            write_stderr(line + "\n");
        }
    }
}

std::vector<std::string> summary(const char* command, std::span<const Stamp> stamps, std::uint64_t start_ns,
                                 std::uint64_t end_ns) {
    std::vector<Stamp> sorted(stamps.begin(), stamps.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const Stamp& a, const Stamp& b) { return a.ns < b.ns; });
    std::uint64_t spent[2] = {0, 0};
    std::vector<std::string> lines;
    for (size_t i = 0; i < sorted.size(); ++i) {
        const Stamp& s = sorted[i];
        const Stamp* next = nullptr;
        for (size_t j = i + 1; j < sorted.size() && !next; ++j) {
            if (sorted[j].child == s.child) next = &sorted[j];
        }
        bool open_end = !next && s.child;
        std::uint64_t end = next ? next->ns : end_ns;
        char buf[160];
        std::string duration = open_end ? "" : milliseconds(end - s.ns) + " ms";
        if (!open_end) spent[s.child ? 1 : 0] += end - s.ns;
        std::snprintf(buf, sizeof buf, "%-5s %-14s %11s  at +%s ms", process_name(s.child), s.name, duration.c_str(),
                      milliseconds(s.ns - start_ns).c_str());
        lines.emplace_back(buf);
    }
    std::string header = std::string("trace ") + command + ": " + milliseconds(end_ns - start_ns) + " ms (berth " +
                         milliseconds(spent[0]) + " ms in phases, child " + milliseconds(spent[1]) + " ms)";
    lines.insert(lines.begin(), header);
    return lines;
}

std::string debug_line(const Stamp& stamp, std::uint64_t start_ns) {
    return std::string("phase ") + process_name(stamp.child) + "/" + stamp.name + " at +" +
           milliseconds(stamp.ns - start_ns) + " ms";
}

}  // namespace berth::trace
