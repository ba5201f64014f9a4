// OCI hooks: each runs with the container state JSON on stdin, its own args
// and env, and an optional timeout. Hooks are flattened (argv/envp arrays)
// before clone so the child can run createContainer and startContainer hooks
// without allocating; the runtime runs the others the same way. They are
// process's, not container's, because the child (process/child.cpp) runs them.
//
// Failure semantics (runtime-spec 1.3): a failing prestart, createRuntime,
// createContainer, startContainer or poststart hook is an error that stops
// the container; a failing poststop hook is a warning and the remaining
// hooks still run.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "berth/util/child_error.hpp"
#include "berth/util/result.hpp"
#include "oci/spec.hpp"

namespace berth::process {

// What a hook without `env` gets. runc and crun give the hooks they run
// themselves (createRuntime, prestart, poststart, poststop) the runtime's own
// environment; runc's createContainer hooks run after its init cleared its
// environment: an empty one. startContainer hooks get the container process's
// environment instead (run()'s `default_env`), as runc 1.2+ does.
enum class HookEnv { empty, runtime };

class HookPlan {
public:
    explicit HookPlan(const oci::Hook& hook, HookEnv without_env = HookEnv::empty);
    HookPlan(HookPlan&&) = default;
    HookPlan& operator=(HookPlan&&) = default;
    HookPlan(const HookPlan&) = delete;
    HookPlan& operator=(const HookPlan&) = delete;

    // Runs the hook and waits for it (fork, execve, no allocation).
    // `phase` and `index` name it in the error, runc's way:
    //   error running createRuntime hook #0: exit status 1, stdout: ..., stderr: ...
    // A hook without `env` gets `default_env` when given, else what HookEnv planned.
    bool run(std::string_view state_json, const char* phase, size_t index, ChildError& err,
             char* const* default_env = nullptr) const noexcept;

private:
    // Moving a vector keeps its elements in place, so the char* arrays below stay
    // valid across moves of the plan.
    std::string path_;
    std::vector<std::string> args_;
    std::vector<std::string> env_;
    std::vector<char*> argv_;
    std::vector<char*> envp_;
    bool has_env_ = false;     // the hook names its own environment
    int timeout_seconds_ = 0;  // 0: wait as long as it takes
};

using HookPlans = std::vector<HookPlan>;

HookPlans plan_hooks(const std::vector<oci::Hook>& hooks, HookEnv without_env = HookEnv::empty);

// Runs every hook in order; stops at the first failure.
bool run_hooks(const HookPlans& hooks, std::string_view state_json, const char* phase, ChildError& err,
               char* const* default_env = nullptr) noexcept;

// Parent side (hooks without `env` get berth's), for the hooks that must stop
// the lifecycle on failure.
Status run_hooks(const std::vector<oci::Hook>& hooks, const std::string& state_json, const char* phase);
// Parent side, for poststop: failures are logged as warnings.
void run_hooks_warn(const std::vector<oci::Hook>& hooks, const std::string& state_json, const char* phase);

}  // namespace berth::process
