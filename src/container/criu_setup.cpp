#include "berth/container/criu_setup.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ftw.h>

#include <climits>
#include <cstring>

#include "berth/util/file.hpp"

namespace berth::container {
namespace {

constexpr int kMinimumCriu = 30000;  // 3.0, as runc
constexpr const char* kCriuConfig = "/etc/criu/berth.conf";

std::string absolute(const std::string& path) {
    if (path.starts_with("/")) return path;
    char cwd[PATH_MAX];
    return ::getcwd(cwd, sizeof(cwd)) ? std::string(cwd) + "/" + path : path;
}

// mkdir -p, 0700 (CRIU's images hold the container's memory).
Status make_dirs(const std::string& path) {
    for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
        const std::string prefix = path.substr(0, slash);
        if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return Error::from_errno("mkdir \"" + prefix + "\"");
        if (slash == std::string::npos) return {};
    }
}

void remove_tree(const std::string& path) {
    ::nftw(path.c_str(), [](const char* p, const struct stat*, int, FTW*) { return ::remove(p); }, 16, FTW_DEPTH | FTW_PHYS);
}

Result<UniqueFd> open_dir(const std::string& path, bool make, bool& made) {
    if (make) {
        made = ::access(path.c_str(), F_OK) != 0;
        if (made) BERTH_TRY(make_dirs(path));
    }
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return Error::from_errno("open \"" + path + "\"");
    return fd;
}

// CRIU's errors in its log (the last three lines that say "Error"), with the
// two lines before the first of them: its final "Dumping FAILED." alone says
// nothing of why. "" when there is no log.
std::string log_errors(const std::string& path) {
    auto text = read_file(path);
    if (!text) return "";
    const std::vector<std::string_view> lines = split_lines(*text);
    std::vector<size_t> errors;
    for (size_t i = 0; i < lines.size(); ++i)
        if (lines[i].find("Error") != std::string_view::npos) errors.push_back(i);
    if (errors.empty()) return "";
    const size_t first = errors.size() > 3 ? errors[errors.size() - 3] : errors.front();
    std::string out;
    for (size_t i = first >= 2 ? first - 2 : 0; i < lines.size(); ++i) {
        if (i < first && lines[i].empty()) continue;
        if (i >= first && lines[i].find("Error") == std::string_view::npos) continue;
        if (!out.empty()) out += " | ";
        out += lines[i];
    }
    return out;
}

}  // namespace

Result<Criu> usable_criu(const std::string& criu_name) {
    auto checked = [&]() -> Result<Criu> {
        BERTH_TRY_ASSIGN(std::string path, criu::find_criu(criu_name));
        BERTH_TRY_ASSIGN(criu::Session session, criu::Session::start(path, {}));
        criu::Request version;
        version.type = criu::RequestType::version;
        BERTH_TRY_ASSIGN(criu::Response answer, session.exchange(version, nullptr));
        if (!answer.success || !answer.version) return Error::msg("criu answered no version");
        if (answer.version->number() < kMinimumCriu)
            return Error::msg("CRIU version " + std::to_string(answer.version->number()) + " must be " +
                              std::to_string(kMinimumCriu) + " or higher");
        return Criu{path, answer.version->number()};
    }();
    if (!checked) return std::move(checked).error().wrap("CRIU version check failed");
    return checked;
}

void CriuDirs::remove_made() const {
    if (made_work) remove_tree(work_path);
    if (made_images) remove_tree(images_path);
}

Result<CriuDirs> open_criu_dirs(const CriuOptions& options, bool make) {
    CriuDirs dirs;
    dirs.images_path = absolute(options.image_path.empty() ? "checkpoint" : options.image_path);
    dirs.work_path = options.work_path.empty() ? dirs.images_path : absolute(options.work_path);
    BERTH_TRY_ASSIGN(dirs.images, open_dir(dirs.images_path, make, dirs.made_images));
    if (dirs.work_path == dirs.images_path) {
        dirs.work.reset(::fcntl(dirs.images.get(), F_DUPFD_CLOEXEC, 0));
    } else {
        // runc makes the work directory on restore too: it holds restore.log.
        auto work = open_dir(dirs.work_path, true, dirs.made_work);
        if (!work) {
            dirs.remove_made();
            return std::move(work).error();
        }
        dirs.work = std::move(*work);
    }
    if (!dirs.work) return Error::from_errno("dup \"" + dirs.work_path + "\"");
    return dirs;
}

Result<criu::Options> base_options(const CriuOptions& options, const CriuDirs& dirs, const oci::Spec& spec) {
    criu::Options o;
    o.images_dir_fd = dirs.images.get();
    o.work_dir_fd = dirs.work.get();
    o.log_level = 4;
    o.tcp_established = options.tcp_established;
    o.ext_unix_sk = options.ext_unix_sk;
    o.shell_job = options.shell_job;
    o.file_locks = options.file_locks;
    o.lazy_pages = options.lazy_pages;
    o.auto_dedup = options.auto_dedup;
    o.notify_scripts = true;
    o.orphan_pts_master = true;
    o.manage_cgroups = true;
    if (!options.manage_cgroups_mode.empty()) {
        BERTH_TRY_ASSIGN(o.manage_cgroups_mode, criu::parse_cgroup_mode(options.manage_cgroups_mode));
    }
    for (const std::string& ns : options.empty_ns) {
        if (ns != "network") return Error::msg("namespace \"" + ns + "\" is not supported");  // runc's words
        o.empty_ns |= CLONE_NEWNET;
    }
    auto annotation = spec.annotations.find(kCriuConfigAnnotation);
    if (annotation != spec.annotations.end()) {
        o.config_file = annotation->second;
    } else if (::access(kCriuConfig, F_OK) == 0) {
        o.config_file = kCriuConfig;
    }
    return o;
}

bool is_bind_mount(const oci::Mount& mount) {
    if (mount.type == "bind") return true;
    for (const std::string& option : mount.options)
        if (option == "bind" || option == "rbind") return true;
    return false;
}

bool is_cgroup_mount(const oci::Mount& mount) { return mount.type == "cgroup" || mount.type == "cgroup2"; }

Error criu_failed(const criu::Response& response, const CriuDirs& dirs, const std::string& log_file) {
    std::string text = "criu failed: type " + criu::type_name(response.type) + " errno " + std::to_string(response.cr_errno);
    if (response.cr_errno != 0) text += " (" + std::string(std::strerror(response.cr_errno)) + ")";
    std::string_view message = response.cr_errmsg;
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.remove_suffix(1);
    if (!message.empty()) text += ": " + std::string(message);
    const std::string log = dirs.work_path + "/" + log_file;
    std::string errors = log_errors(log);
    text += dirs.made_work || (dirs.made_images && dirs.work_path == dirs.images_path) ? "; log (removed): " : "; log file: " + log + ": ";
    text += errors.empty() ? "no error in it" : errors;
    return Error::msg(text);
}

std::string joined_netns(const oci::Spec& spec) {
    for (const auto& ns : spec.linux->namespaces)
        if (ns.type == oci::NamespaceType::network && ns.path) return *ns.path;
    return "";
}

}  // namespace berth::container
