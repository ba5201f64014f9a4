#include "berth/cli/criu_flags.hpp"

namespace berth::cli {

container::CriuOptions criu_options(const Invocation& inv) {
    container::CriuOptions o;
    o.criu = inv.global.criu;
    o.image_path = inv.flags.get_string("image-path");
    o.work_path = inv.flags.get_string("work-path");
    o.tcp_established = inv.flags.get_bool("tcp-established");
    o.ext_unix_sk = inv.flags.get_bool("ext-unix-sk");
    o.shell_job = inv.flags.get_bool("shell-job");
    o.file_locks = inv.flags.get_bool("file-locks");
    o.lazy_pages = inv.flags.get_bool("lazy-pages");
    o.auto_dedup = inv.flags.get_bool("auto-dedup");
    o.manage_cgroups_mode = inv.flags.get_string("manage-cgroups-mode");
    o.empty_ns = inv.flags.get_list("empty-ns");
    return o;
}

}  // namespace berth::cli
