#include "berth/process/signals.hpp"

#include <signal.h>

#include <charconv>
#include <optional>
#include <string>

namespace berth::process {
namespace {

struct SignalName {
    const char* name;  // without "SIG"
    int number;
};

constexpr SignalName kSignals[] = {
    {"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"BUS", SIGBUS},     {"CHLD", SIGCHLD},     {"CLD", SIGCHLD},
    {"CONT", SIGCONT}, {"FPE", SIGFPE},   {"HUP", SIGHUP},     {"ILL", SIGILL},       {"INT", SIGINT},
    {"IO", SIGIO},     {"IOT", SIGIOT},   {"KILL", SIGKILL},   {"PIPE", SIGPIPE},     {"POLL", SIGPOLL},
    {"PROF", SIGPROF}, {"PWR", SIGPWR},   {"QUIT", SIGQUIT},   {"SEGV", SIGSEGV},     {"STKFLT", SIGSTKFLT},
    {"STOP", SIGSTOP}, {"SYS", SIGSYS},   {"TERM", SIGTERM},   {"TRAP", SIGTRAP},     {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU}, {"URG", SIGURG},     {"USR1", SIGUSR1},     {"USR2", SIGUSR2},
    {"VTALRM", SIGVTALRM}, {"WINCH", SIGWINCH}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
};

std::optional<int> parse_number(std::string_view text) {
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// "RTMIN", "RTMIN+3", "RTMAX-2".
std::optional<int> parse_realtime(std::string_view name) {
    int base = 0;
    if (name.starts_with("RTMIN")) {
        base = SIGRTMIN;
    } else if (name.starts_with("RTMAX")) {
        base = SIGRTMAX;
    } else {
        return std::nullopt;
    }
    std::string_view rest = name.substr(5);
    if (rest.empty()) return base;
    auto offset = parse_number(rest.substr(1));
    if (!offset || (rest[0] != '+' && rest[0] != '-')) return std::nullopt;
    int number = rest[0] == '+' ? base + *offset : base - *offset;
    if (number < SIGRTMIN || number > SIGRTMAX) return std::nullopt;
    return number;
}

}  // namespace

Result<int> parse_signal(std::string_view text) {
    auto unknown = [&] { return Error::msg("unknown signal \"" + std::string(text) + "\""); };
    if (auto number = parse_number(text)) {
        if (*number < 0 || *number > SIGRTMAX) return unknown();  // 0 probes, as with kill(1)
        return *number;
    }
    std::string name(text);
    for (char& c : name) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    std::string_view bare = name;
    if (bare.starts_with("SIG")) bare.remove_prefix(3);
    for (const auto& s : kSignals) {
        if (bare == s.name) return s.number;
    }
    if (auto rt = parse_realtime(bare)) return *rt;
    return unknown();
}

}  // namespace berth::process
