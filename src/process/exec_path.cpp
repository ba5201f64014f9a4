#include "berth/process/exec_path.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace berth::process {
namespace {

// Go's findExecutable: a non-directory with any execute bit.
int check_executable(const char* path) noexcept {
    struct stat st {};
    if (::stat(path, &st) != 0) return errno;
    if (S_ISDIR(st.st_mode)) return EISDIR;
    if ((st.st_mode & 0111) == 0) return EACCES;
    return 0;
}

}  // namespace

bool resolve_executable(const char* name, const char* path_env, char* out, size_t out_size, ChildError& err) noexcept {
    if (std::strchr(name, '/')) {
        int e = check_executable(name);
        if (e == ENOENT) return err.fail(0, "exec: \"%s\": stat %s: no such file or directory", name, name);
        if (e != 0) return err.fail(e, "exec: \"%s\"", name);
        std::snprintf(out, out_size, "%s", name);
        return true;
    }
    if (name[0] != '\0' && path_env) {
        const char* dir = path_env;
        for (;;) {
            const char* end = std::strchr(dir, ':');
            size_t len = end ? static_cast<size_t>(end - dir) : std::strlen(dir);
            int n = len == 0 ? std::snprintf(out, out_size, "./%s", name)
                             : std::snprintf(out, out_size, "%.*s/%s", static_cast<int>(len), dir, name);
            if (n > 0 && static_cast<size_t>(n) < out_size && check_executable(out) == 0) return true;
            if (!end) break;
            dir = end + 1;
        }
    }
    return err.fail(0, "exec: \"%s\": executable file not found in $PATH", name);
}

}  // namespace berth::process
