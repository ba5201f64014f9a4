#include "berth/util/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "berth/util/fd.hpp"
#include "berth/util/json.hpp"

namespace berth::log {
namespace {

struct Sink {
    UniqueFd file;  // invalid: stderr
    Format format = Format::Text;
    bool debug = false;
};

Sink& sink() {
    static Sink s;
    return s;
}

const char* level_name(Level level) {
    switch (level) {
        case Level::Debug:
            return "debug";
        case Level::Info:
            return "info";
        case Level::Warn:
            return "warning";
        case Level::Error:
            return "error";
    }
    return "error";
}

// Go's %q, which logrus uses for text values: escapes quotes, backslashes and
// control characters, keeps other bytes (UTF-8) as they are.
std::string go_quote(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\a': out += "\\a"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\v': out += "\\v"; break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\x%02x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

// logrus quotes a text value unless it is made only of these characters.
std::string text_value(std::string_view s) {
    for (unsigned char c : s) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '.' || c == '_' || c == '/' || c == '@' || c == '^' || c == '+';
        if (!plain) return go_quote(s);
    }
    return std::string(s);
}

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // nowhere left to report a failing log
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
}

void emit(Level level, std::string_view message) {
    Sink& s = sink();
    if (level == Level::Debug && !s.debug) return;
    write_all(s.file ? s.file.get() : STDERR_FILENO, format_line(s.format, level, message, std::time(nullptr)));
}

}  // namespace

Result<Format> parse_format(std::string_view text) {
    if (text == "text") return Format::Text;
    if (text == "json") return Format::Json;
    return Error::msg("invalid log-format: " + std::string(text));
}

Status configure(const std::string& path, Format format, bool debug) {
    Sink& s = sink();
    s.format = format;
    s.debug = debug;
    if (path.empty()) {
        s.file.reset();
        return {};
    }
    // O_SYNC as runc: the last line must be on disk when the manager reads it after we exit.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_SYNC | O_CLOEXEC, 0644));
    if (!fd) return Error::from_errno("open log file \"" + path + "\"");
    s.file = std::move(fd);
    return {};
}

void debug(std::string_view message) { emit(Level::Debug, message); }
void info(std::string_view message) { emit(Level::Info, message); }
void warn(std::string_view message) { emit(Level::Warn, message); }
void error(std::string_view message) { emit(Level::Error, message); }

int fail(const Error& err) {
    std::string message = err.what();
    emit(Level::Error, message);
    if (sink().file) write_all(STDERR_FILENO, message + "\n");
    return err.exit_code();
}

std::string rfc3339(std::time_t when) {
    std::tm tm{};
    localtime_r(&when, &tm);
    char buf[64];
    size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string out(buf, n);
    long offset = tm.tm_gmtoff;
    if (offset == 0) return out + "Z";
    char zone[40];
    char sign = offset < 0 ? '-' : '+';
    if (offset < 0) offset = -offset;
    std::snprintf(zone, sizeof zone, "%c%02ld:%02ld", sign, offset / 3600, (offset % 3600) / 60);
    return out + zone;
}

std::string format_line(Format format, Level level, std::string_view message, std::time_t when) {
    std::string time = rfc3339(when);
    if (format == Format::Json) {
        return std::string("{\"level\":\"") + level_name(level) + "\",\"msg\":" + json_quote(message) +
               ",\"time\":\"" + time + "\"}\n";
    }
    return "time=" + text_value(time) + " level=" + level_name(level) + " msg=" + text_value(message) + "\n";
}

}  // namespace berth::log
