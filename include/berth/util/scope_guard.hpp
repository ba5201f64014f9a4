// ScopeGuard: runs a clean-up when the scope is left, unless dismissed: the
// rollback of a step that succeeded when a later one fails.
//
//   ScopeGuard remove_dir([&] { (void)remove_container_dir(dir); });
//   ... BERTH_TRY(next_step()); ...
//   remove_dir.dismiss();  // all went well: keep it
#pragma once

#include <utility>

namespace berth {

template <class F>
class [[nodiscard]] ScopeGuard {
public:
    explicit ScopeGuard(F cleanup) : cleanup_(std::move(cleanup)) {}
    ScopeGuard(const ScopeGuard&) = delete;
    ScopeGuard& operator=(const ScopeGuard&) = delete;
    ~ScopeGuard() {
        if (armed_) cleanup_();
    }
    void dismiss() { armed_ = false; }

private:
    F cleanup_;
    bool armed_ = true;
};

}  // namespace berth
