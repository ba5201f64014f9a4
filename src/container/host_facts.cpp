#include "berth/container/host_facts.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>

#include "berth/linux/namespaces.hpp"
#include "berth/util/fd.hpp"
#include "berth/util/file.hpp"

namespace berth::container {
namespace {

constexpr oci::NamespaceType kAllTypes[] = {
    oci::NamespaceType::pid,  oci::NamespaceType::network, oci::NamespaceType::mount,  oci::NamespaceType::ipc,
    oci::NamespaceType::uts,  oci::NamespaceType::user,    oci::NamespaceType::cgroup, oci::NamespaceType::time,
};

// A syscall exists when calling it with bad arguments fails with anything but ENOSYS.
bool syscall_exists(long number) {
    long r = ::syscall(number, -1L, 0L, 0L, 0L, 0L);
    return !(r < 0 && errno == ENOSYS);
}

bool parse_u32(std::string_view word, uint32_t& out) {
    auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), out);
    return ec == std::errc() && end == word.data() + word.size();
}

}  // namespace

bool HostFacts::has_namespace(oci::NamespaceType type) const {
    for (oci::NamespaceType t : namespaces) {
        if (t == type) return true;
    }
    return false;
}

Result<std::vector<oci::IDMapping>> parse_id_map(std::string_view text) {
    std::vector<oci::IDMapping> out;
    size_t line_no = 0;
    while (!text.empty()) {
        size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        ++line_no;
        uint32_t fields[3];
        size_t n = 0;
        while (!line.empty()) {
            size_t start = line.find_first_not_of(' ');
            if (start == std::string_view::npos) break;
            line.remove_prefix(start);
            size_t end = line.find(' ');
            std::string_view word = line.substr(0, end);
            line.remove_prefix(end == std::string_view::npos ? line.size() : end);
            if (n == 3 || !parse_u32(word, fields[n])) {
                return Error::msg("id map line " + std::to_string(line_no) + ": expected \"inside outside count\"");
            }
            ++n;
        }
        if (n == 0) continue;
        if (n != 3) return Error::msg("id map line " + std::to_string(line_no) + ": expected \"inside outside count\"");
        out.push_back(oci::IDMapping{fields[0], fields[1], fields[2]});
    }
    return out;
}

Result<HostFacts> probe_host() {
    HostFacts host;
    utsname uts{};
    if (::uname(&uts) == 0) host.kernel = uts.release;
    for (oci::NamespaceType type : kAllTypes) {
        std::string path = std::string("/proc/self/ns/") + linux_setup::proc_ns_name(type);
        if (::access(path.c_str(), F_OK) == 0) host.namespaces.push_back(type);
    }
    host.clone3 = syscall_exists(SYS_clone3);
    host.openat2 = syscall_exists(SYS_openat2);
    host.mount_setattr = syscall_exists(SYS_mount_setattr);
    BERTH_TRY_ASSIGN(host.capabilities, linux_setup::host_capabilities());
    BERTH_TRY_ASSIGN(std::string uid_text, read_file("/proc/self/uid_map"));
    BERTH_TRY_ASSIGN(host.uid_map, parse_id_map(uid_text));
    BERTH_TRY_ASSIGN(std::string gid_text, read_file("/proc/self/gid_map"));
    BERTH_TRY_ASSIGN(host.gid_map, parse_id_map(gid_text));
    BERTH_TRY_ASSIGN(host.cgroups, cgroups::host_hierarchies());
    if (!host.cgroups.unified.empty()) {
        BERTH_TRY_ASSIGN(std::string controllers, read_file(host.cgroups.unified + "/cgroup.controllers"));
        for (size_t pos = 0; pos < controllers.size();) {
            size_t end = controllers.find_first_of(" \n", pos);
            if (end == std::string::npos) end = controllers.size();
            if (end > pos) host.v2_controllers.push_back(controllers.substr(pos, end - pos));
            pos = end + 1;
        }
    }
    host.lsm = linux_setup::detect_lsm();
    for (int resource = 0; resource < RLIM_NLIMITS; ++resource) {
        rlimit limit{};
        ::getrlimit(static_cast<__rlimit_resource>(resource), &limit);
        host.rlimit_hard.push_back(limit.rlim_max);
    }
    BERTH_TRY_ASSIGN(std::string nr_open, read_file("/proc/sys/fs/nr_open"));
    host.nr_open = std::strtoull(nr_open.c_str(), nullptr, 10);
    return host;
}

std::string describe(const HostFacts& host) {
    std::string out = "kernel " + host.kernel + ", cgroup " + cgroups::layout_name(host.cgroups.layout) + " (v1:";
    for (const cgroups::Hierarchy& h : host.cgroups.v1) {
        for (const std::string& c : h.controllers) out += " " + c;
    }
    out += "; v2:";
    if (host.cgroups.unified.empty()) out += " not mounted";
    else if (host.v2_controllers.empty()) out += " no controllers";
    for (const std::string& c : host.v2_controllers) out += " " + c;
    out += "), namespaces:";
    for (oci::NamespaceType t : host.namespaces) out += std::string(" ") + oci::to_string(t);
    out += std::string(", clone3 ") + (host.clone3 ? "yes" : "no") + ", openat2 " + (host.openat2 ? "yes" : "no") +
           ", mount_setattr " + (host.mount_setattr ? "yes" : "no");
    return out;
}

}  // namespace berth::container
