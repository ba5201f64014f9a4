// The few JSON strings berth writes by hand (log lines, events): quoted as
// Go's encoding/json does, so they read as runc's byte for byte.
#pragma once

#include <string>
#include <string_view>

namespace berth {

// `s` as a JSON string with its quotes: \" \\ \n \r \t, other control
// characters and the HTML ones (< > &) as \u00XX, every other byte as it is.
std::string json_quote(std::string_view s);

}  // namespace berth
