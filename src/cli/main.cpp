#include "berth/cli/main.hpp"

#include <cstdio>

namespace berth::cli {
int main(int, char**) {
    std::fputs("berth: not implemented yet\n", stderr);
    return 1;
}
}  // namespace berth::cli
