#include "berth/container/exec_process.hpp"

#include <charconv>

#include "berth/process/plan.hpp"
#include "berth/util/file.hpp"
#include "oci/parser.hpp"

namespace berth::container {
namespace {

// Go's strconv.Atoi, with its error text (runc prints it).
Result<int64_t> atoi(const std::string& text) {
    int64_t value = 0;
    const char* begin = text.data();
    const char* end = begin + text.size();
    if (begin != end && *begin == '+') ++begin;
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (text.empty() || ptr != end || ec == std::errc::invalid_argument) {
        return Error::msg("strconv.Atoi: parsing \"" + text + "\": invalid syntax");
    }
    if (ec == std::errc::result_out_of_range) return Error::msg("strconv.Atoi: parsing \"" + text + "\": value out of range");
    return value;
}

Result<uint32_t> parse_id(const std::string& text, const char* what) {
    auto value = atoi(text);
    if (!value) return std::move(value).error().wrap("parsing " + text + " as int for " + what + " failed");
    return static_cast<uint32_t>(*value);
}

Status apply_user(oci::User& user, const std::string& spec) {
    size_t colon = spec.find(':');
    if (colon != std::string::npos) {
        BERTH_TRY_ASSIGN(user.gid, parse_id(spec.substr(colon + 1), "gid"));
    }
    BERTH_TRY_ASSIGN(user.uid, parse_id(spec.substr(0, colon), "uid"));
    return {};
}

void add_caps(std::optional<oci::Capabilities>& caps, const std::vector<std::string>& names) {
    if (names.empty()) return;
    if (!caps) caps.emplace();
    // Never the inheritable set (CVE-2022-29162), so ambient only when the
    // config has an inheritable set at all (runc 1.3): otherwise none could be
    // raised and each would be a warning.
    std::vector<std::optional<std::vector<std::string>>*> sets = {&caps->bounding, &caps->effective, &caps->permitted};
    if (caps->inheritable) sets.push_back(&caps->ambient);
    for (auto* set : sets) {
        if (!*set) set->emplace();
        (*set)->insert((*set)->end(), names.begin(), names.end());
    }
}

}  // namespace

Status validate_exec_process(const oci::Process& process) {
    if (process.cwd.empty()) return Error::msg("Cwd property must not be empty");
    if (process.cwd[0] != '/') return Error::msg("Cwd must be an absolute path");
    if (process.args.empty()) return Error::msg("args must not be empty");
    for (const RefusedField& field : berth::process::windows_fields(process))
        return Error::msg(field.path + ": " + field.why);
    return {};
}

Result<oci::Process> exec_process_from_flags(const oci::Process& config_process, const ExecProcessFlags& flags) {
    if (flags.args.empty()) return Error::msg("process args cannot be empty");
    oci::Process p = config_process;
    p.args = flags.args;
    if (!flags.cwd.empty()) p.cwd = flags.cwd;
    if (!flags.apparmor.empty()) p.apparmorProfile = flags.apparmor;
    if (!flags.process_label.empty()) p.selinuxLabel = flags.process_label;
    add_caps(p.capabilities, flags.caps);
    p.env.insert(p.env.end(), flags.env.begin(), flags.env.end());
    p.terminal = flags.tty.value_or(false);
    if (flags.no_new_privs) p.noNewPrivileges = *flags.no_new_privs;
    if (!flags.user.empty()) BERTH_TRY(apply_user(p.user, flags.user));
    for (const auto& text : flags.additional_gids) {
        auto gid = atoi(text);
        if (!gid) return std::move(gid).error().wrap("invalid value \"" + text + "\" for flag -additional-gids");
        if (*gid < 0) return Error::msg("additional-gids must be a positive number " + text);
        p.user.additionalGids.push_back(static_cast<uint32_t>(*gid));
    }
    BERTH_TRY(validate_exec_process(p));
    return p;
}

Result<oci::Process> exec_process_from_file(const std::string& path) {
    auto text = read_file(path);
    if (!text) return Error::sys(text.error().code(), "open " + path);  // runc's text: no quotes
    BERTH_TRY_ASSIGN(oci::Process p, oci::parse_process(*text, path));
    BERTH_TRY(validate_exec_process(p));
    return p;
}

}  // namespace berth::container
