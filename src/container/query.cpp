// `state` and `list`: read-only, without taking the container's lock.
#include <sys/stat.h>

#include <algorithm>

#include "berth/container/id.hpp"
#include "berth/container/lifecycle.hpp"
#include "berth/container/record.hpp"
#include "berth/process/passwd.hpp"
#include "berth/util/file.hpp"
#include "berth/util/log.hpp"

namespace berth::container {
namespace {

std::string owner_name(uid_t uid) {
    // A missing /etc/passwd shows "#uid", as an unknown user does.
    const auto passwd = read_file("/etc/passwd");
    auto entry = process::find_user_by_uid(passwd ? std::string_view(*passwd) : std::string_view(), uid);
    return entry ? std::string(entry->name) : "#" + std::to_string(uid);
}

}  // namespace

Result<oci::State> container_state(const std::string& root, const std::string& id) {
    BERTH_TRY(validate_id(id));
    BERTH_TRY_ASSIGN(ContainerDir dir, open_container_dir(root, id));
    auto record = load_record(dir);
    // No record yet, or create's early one without an init (pid 0): while
    // create holds the lock, the container is being created.
    if ((!record || record->pid == 0) && is_locked(dir)) {
        Record creating;
        creating.id = id;
        return to_oci_state(creating, ContainerStatus::creating);
    }
    if (!record) return std::move(record).error();
    BERTH_TRY_ASSIGN(ContainerStatus status, derive_status(dir, *record));
    return to_oci_state(*record, status);
}

Result<std::vector<ListEntry>> list_containers(const std::string& root) {
    BERTH_TRY_ASSIGN(auto ids, list_ids(root));
    std::sort(ids.begin(), ids.end());
    std::vector<ListEntry> entries;
    for (const auto& id : ids) {
        if (!validate_id(id)) continue;  // not a container (e.g. the seccomp cache "@seccomp-cache")
        auto dir = open_container_dir(root, id);
        if (!dir) continue;
        auto record = load_record(*dir);
        if (!record) {
            // A create or delete in progress holds the lock (and a finished delete
            // removed the directory); anything else is broken (a crashed create,
            // a damaged state.json): name it and go on, as runc does.
            if (is_locked(*dir)) continue;
            struct stat st {};
            bool removed = ::fstat(dir->fd(), &st) == 0 && st.st_nlink == 0;
            if (!removed) log::warn("load container " + id + ": " + record.error().what());
            continue;
        }
        if (record->pid == 0 && is_locked(*dir)) continue;  // create's early record: still creating
        auto status = derive_status(*dir, *record);
        if (!status) {
            log::warn("status for " + id + ": " + status.error().what());  // runc's words; the others are listed
            continue;
        }
        struct stat st {};
        std::string owner = ::fstat(dir->fd(), &st) == 0 ? owner_name(st.st_uid) : "";
        entries.push_back({to_oci_state(*record, *status), owner});
    }
    return entries;
}

}  // namespace berth::container
