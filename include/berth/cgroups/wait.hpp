// Bounded polling for kernel state that settles asynchronously (a freezing
// cgroup, a killed task leaving its cgroup). No threads, no timers.
#pragma once

#include <time.h>

namespace berth::cgroups {

// Calls `done` until it returns true, sleeping 1 ms growing to 20 ms between
// tries, for at most about `limit_ms`. Returns the last result of `done`.
template <class Pred>
bool wait_until(Pred done, long limit_ms = 5000) {
    long step = 1, waited = 0;
    while (!done()) {
        if (waited >= limit_ms) return false;
        timespec ts{0, step * 1000000L};
        ::nanosleep(&ts, nullptr);
        waited += step;
        if (step < 20) step *= 2;
    }
    return true;
}

}  // namespace berth::cgroups
