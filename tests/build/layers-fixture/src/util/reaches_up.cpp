// Fixture of the layers-detects test: util reaching up to a higher concern.
#include "berth/process/plan.hpp"
