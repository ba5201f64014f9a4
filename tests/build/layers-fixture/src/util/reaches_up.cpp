// Fixture of the layers-detects test: util reaching up to a higher concern and to the parser.
#include "berth/process/plan.hpp"
#include "oci/spec.hpp"
