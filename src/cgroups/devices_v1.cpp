#include "berth/cgroups/devices_v1.hpp"

#include <fcntl.h>

#include <charconv>

#include "berth/cgroups/convert.hpp"
#include "berth/cgroups/files.hpp"

namespace berth::cgroups {
namespace {

unsigned access_bits(std::string_view access) {
    unsigned bits = 0;
    for (char c : access) {
        if (c == 'r') bits |= kDeviceRead;
        if (c == 'w') bits |= kDeviceWrite;
        if (c == 'm') bits |= kDeviceMknod;
    }
    return bits;
}

std::string line_of(const DeviceKey& key, unsigned bits) {
    return std::string(1, key.type) + " " + device_number(key.major, key.minor) + " " + device_access_letters(bits);
}

// Takes `bits` away from the exception `key`. v1 only removes exact matches: a
// wildcard exception granting the same access would still grant it, so a rule
// asking for that is refused instead of silently not applied.
Status remove_access(DeviceState& state, const DeviceKey& key, unsigned bits) {
    for (DeviceKey wide : {DeviceKey{key.type, -1, key.minor}, DeviceKey{key.type, key.major, -1},
                           DeviceKey{key.type, -1, -1}}) {
        if (wide == key) continue;
        auto it = state.exceptions.find(wide);
        if (it != state.exceptions.end() && (it->second & bits) != 0)
            return Error::msg("linux.resources.devices: rule \"" + line_of(key, bits) +
                              "\" cannot be applied by cgroup v1: it takes access away from part of the "
                              "wildcard rule \"" + line_of(wide, it->second) + "\"");
    }
    auto it = state.exceptions.find(key);
    if (it == state.exceptions.end()) return {};
    it->second &= ~bits;
    if (it->second == 0) state.exceptions.erase(it);
    return {};
}

Result<int64_t> parse_number(std::string_view s, std::string_view line) {
    if (s == "*") return int64_t{-1};
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < 0)
        return Error::msg("devices.list: invalid line \"" + std::string(line) + "\"");
    return v;
}

}  // namespace

std::string device_access_letters(unsigned bits) {
    std::string out;
    if (bits & kDeviceRead) out += 'r';
    if (bits & kDeviceWrite) out += 'w';
    if (bits & kDeviceMknod) out += 'm';
    return out;
}

Result<DeviceState> emulate_device_rules(const std::vector<oci::DeviceCgroup>& rules) {
    DeviceState state;  // deny-all
    for (const auto& rule : rules) {
        unsigned bits = access_bits(device_access(rule));
        if (bits == 0) continue;  // grants or denies nothing
        std::string type = rule.type.value_or("a");
        if (type == "a") {
            // The kernel resets on "a" whatever else the rule says.
            state.default_allow = rule.allow;
            state.exceptions.clear();
            continue;
        }
        if (type != "c" && type != "b")
            return Error::msg("linux.resources.devices: invalid type \"" + type + "\"");
        DeviceKey key{type[0], rule.major.value_or(-1), rule.minor.value_or(-1)};
        // An exception is access that differs from the default.
        if (rule.allow != state.default_allow)
            state.exceptions[key] |= bits;
        else
            BERTH_TRY(remove_access(state, key, bits));
    }
    return state;
}

Result<DeviceState> parse_devices_list(std::string_view text) {
    DeviceState state;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty()) continue;
        // "c 1:3 rwm"
        size_t sp1 = line.find(' ');
        size_t colon = line.find(':', sp1);
        size_t sp2 = line.find(' ', colon);
        if (sp1 != 1 || colon == std::string_view::npos || sp2 == std::string_view::npos)
            return Error::msg("devices.list: invalid line \"" + std::string(line) + "\"");
        if (line[0] == 'a') {
            // Allow-all; the kernel does not list its exceptions.
            state.default_allow = true;
            state.exceptions.clear();
            return state;
        }
        if (line[0] != 'c' && line[0] != 'b')
            return Error::msg("devices.list: invalid line \"" + std::string(line) + "\"");
        BERTH_TRY_ASSIGN(int64_t major, parse_number(line.substr(sp1 + 1, colon - sp1 - 1), line));
        BERTH_TRY_ASSIGN(int64_t minor, parse_number(line.substr(colon + 1, sp2 - colon - 1), line));
        state.exceptions[DeviceKey{line[0], major, minor}] |= access_bits(line.substr(sp2 + 1));
    }
    return state;
}

std::vector<DeviceWrite> device_transition(const DeviceState& from, const DeviceState& to) {
    std::vector<DeviceWrite> out;
    static const std::map<DeviceKey, unsigned> kNone;
    const auto* old = &from.exceptions;
    if (from.default_allow || from.default_allow != to.default_allow) {
        out.push_back({to.default_allow, "a *:* rwm"});
        old = &kNone;
    }
    // An exception grants what the default does not: dropping access is a
    // write to the default's file, gaining access a write to the other one.
    for (const auto& [key, bits] : *old) {
        auto it = to.exceptions.find(key);
        unsigned dropped = bits & ~(it == to.exceptions.end() ? 0u : it->second);
        if (dropped) out.push_back({to.default_allow, line_of(key, dropped)});
    }
    for (const auto& [key, bits] : to.exceptions) {
        auto it = old->find(key);
        unsigned gained = bits & ~(it == old->end() ? 0u : it->second);
        if (gained) out.push_back({!to.default_allow, line_of(key, gained)});
    }
    return out;
}

Status apply_v1_devices(const std::string& dir, const std::vector<oci::DeviceCgroup>& rules) {
    BERTH_TRY_ASSIGN(DeviceState target, emulate_device_rules(rules));
    std::string list = dir + "/devices.list";
    BERTH_TRY_ASSIGN(std::string before, read_file(list));
    BERTH_TRY_ASSIGN(DeviceState current, parse_devices_list(before));
    // Each file opened once for all its rules (a dozen with the default devices).
    const std::string files[2] = {dir + "/devices.deny", dir + "/devices.allow"};
    UniqueFd fds[2];
    for (const auto& w : device_transition(current, target)) {
        const int i = w.allow ? 1 : 0;
        if (!fds[i]) fds[i].reset(::open(files[i].c_str(), O_WRONLY | O_CLOEXEC));
        if (!fds[i]) return Error::from_errno("write \"" + files[i] + "\" \"" + w.line + "\"");
        BERTH_TRY(write_to(fds[i].get(), files[i], w.line));
    }
    // An allow list can be read back: make sure the kernel holds exactly it.
    if (target.default_allow) return {};
    BERTH_TRY_ASSIGN(std::string after, read_file(list));
    BERTH_TRY_ASSIGN(DeviceState reached, parse_devices_list(after));
    if (!(reached == target))
        return Error::msg("linux.resources.devices: \"" + list + "\" does not hold the requested rules after applying them");
    return {};
}

}  // namespace berth::cgroups
