// berth's log, in the shapes runc 1.1 (logrus) writes, because managers parse it:
//   json: {"level":"error","msg":"container does not exist","time":"2026-11-22T16:31:27Z"}
//   text: time="2026-11-22T16:31:27Z" level=error msg="container does not exist"
// The destination is `--log FILE` (appended to) or stderr. Single-threaded, like berth.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

#include "berth/util/result.hpp"

namespace berth::log {

enum class Level { Debug, Info, Warn, Error };
enum class Format { Text, Json };

// "text" / "json"; anything else: `invalid log-format: <text>`.
Result<Format> parse_format(std::string_view text);

// Directs the log to `path` ("" = stderr) in `format`; debug lines only when
// `debug`. Until called, the log is text on stderr without debug lines.
Status configure(const std::string& path, Format format, bool debug);

void debug(std::string_view message);
void info(std::string_view message);
void warn(std::string_view message);
void error(std::string_view message);

// The end of a failed command: logs `err` at error level and, when the log
// goes to a file, also prints the message as one plain line on stderr (so a
// person or a manager reading stderr sees it too, as with runc).
// Returns the error's exit code for `return log::fail(err);`.
int fail(const Error& err);

// One formatted log line including the trailing newline (pure; for tests).
std::string format_line(Format format, Level level, std::string_view message, std::time_t when);
// RFC 3339 local time as Go prints it: "2026-11-22T16:31:27Z" or "...+01:00".
std::string rfc3339(std::time_t when);

}  // namespace berth::log
