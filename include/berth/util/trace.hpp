// Phases of create/start/run/exec/delete: where a start spends its time.
//
//   trace::phase("cgroup");   // the previous phase of this process ends here
//
// One call marks the start of a named phase. `name` must be a string literal
// (it is stored as a pointer, never copied). Off (the default) it costs one
// predictable branch on a global flag. On (`--trace`, BERTH_TRACE=1,
// `--debug`), each phase is a CLOCK_MONOTONIC stamp in a MAP_SHARED page
// mapped before clone, so the cloned child records its phases without
// allocating or locking and the parent reports them:
//   --trace / BERTH_TRACE=1: per-phase durations when the command ends, on
//     stderr, or as log lines in the --log file's format;
//   --debug: one debug log line per phase, "phase <process>/<name> at +X ms"
//     (process "berth" = the CLI process, "child" = the cloned init or exec
//     process; child lines are logged by the parent as soon as it syncs).
// Phase names used by the child: setup, namespaces, mounts, console, hooks,
// pivot_root, process, privileges, ready, execve (see trace.cpp for all).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace berth::trace {

namespace detail {
extern bool g_active;  // set once, before any phase: tracing, debug or a fault hook
void record(const char* name) noexcept;
}  // namespace detail

// Marks the start of phase `name` in the calling process.
inline void phase(const char* name) noexcept {
    if (__builtin_expect(detail::g_active, false)) detail::record(name);
}

// Test-only hook (tests/faults): a binary that defines this function gets a
// call at every phase point, in the parent and in the child (where it must not
// allocate). The product binary does not define it (a weak reference: its
// address is null and nothing is called).
[[gnu::weak]] void on_phase(const char* name) noexcept;

// Turns tracing on for this command (main, after parsing the global flags).
// `report`: print the summary at finish(); `debug`: log every phase;
// `to_log`: the log goes to a file (the summary becomes log lines).
void enable(bool report, bool debug, bool to_log);
// BERTH_TRACE=1 (or any value but "" and "0").
bool requested_by_environment();

// In the cloned child, right after clone: its phases are labelled "child".
void entered_child() noexcept;

// Logs (--debug) the child's phases recorded since the last call; the parent
// calls it after each sync with the child. Every parent phase() does too.
void collect_child();

// Ends the command: logs pending child phases, prints the summary (--trace).
void finish(const char* command);

// ---- Pure parts, for tests ----

struct Stamp {
    const char* name = nullptr;  // null: slot reserved, not written yet
    std::uint64_t ns = 0;        // CLOCK_MONOTONIC
    std::uint32_t child = 0;     // 0 = berth (CLI process), 1 = the cloned child
};

// The summary: a header line, then one line per phase in time order:
// "<process> <name> <duration> ms (at +<offset> ms)". A phase lasts until the
// next phase of the same process; the CLI's last phase until `end_ns`; the
// child's last one (execve) has no end it can report, so only its offset.
std::vector<std::string> summary(const char* command, std::span<const Stamp> stamps, std::uint64_t start_ns,
                                 std::uint64_t end_ns);
// "phase child/mounts at +1.204 ms" (the --debug line).
std::string debug_line(const Stamp& stamp, std::uint64_t start_ns);

}  // namespace berth::trace
