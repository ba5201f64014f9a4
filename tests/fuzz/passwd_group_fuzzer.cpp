// libFuzzer harness: the /etc/passwd and /etc/group parsers
// (include/berth/process/passwd.hpp). The same input is read as both files;
// lookups use names and ids taken from the input itself so matches happen.
// Every returned view must point into the input (the child uses them after
// mmap, without copying).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "berth/process/passwd.hpp"

namespace {

void check_inside(std::string_view view, std::string_view text) {
    if (view.empty()) return;
    if (view.data() < text.data() || view.data() + view.size() > text.data() + text.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace berth::process;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    // A lookup key from the input: its first field up to ':' (or the whole first line).
    std::string_view key = text.substr(0, text.find_first_of(":\n"));
    uint32_t id = size >= 4 ? static_cast<uint32_t>(data[size - 1]) | static_cast<uint32_t>(data[size - 2]) << 8 : 0;

    for (uint32_t uid : {id, 0u, 1000u}) {
        if (auto user = find_user_by_uid(text, uid)) {
            if (user->uid != uid) std::abort();
            check_inside(user->name, text);
            check_inside(user->home, text);
        }
    }
    if (auto user = find_user_by_name(text, key)) {
        if (user->name != key) std::abort();
        check_inside(user->home, text);
    }
    if (auto group = find_group_by_name(text, key)) {
        if (group->name != key) std::abort();
        check_inside(group->members, text);
    }
    size_t visited = 0;
    for_each_group_of(text, key, [&](uint32_t) { return ++visited < 3; });
    return 0;
}
