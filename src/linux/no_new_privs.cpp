#include "berth/linux/no_new_privs.hpp"

#include <sys/prctl.h>

#include <cerrno>

namespace berth::linux_setup {

bool set_no_new_privs(ChildError& err) noexcept {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return err.fail(errno, "prctl(PR_SET_NO_NEW_PRIVS)");
    return true;
}

}  // namespace berth::linux_setup
