// Fixture of the layers-detects test: the parser library including berth.
#include "berth/util/result.hpp"
