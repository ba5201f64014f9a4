#include "berth/cli/main.hpp"

int main(int argc, char** argv) { return berth::cli::main(argc, argv); }
