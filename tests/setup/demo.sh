#!/bin/bash
# The README's demo: makes a busybox bundle (config from `berth spec`), checks
# it with `berth check`, then runs it: a real container that reports from inside.
#
#   demo.sh BERTH [BUNDLE_DIR]      (default bundle: /tmp/berth-demo)
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BERTH [BUNDLE_DIR]" >&2; exit 2; }
berth=$(realpath "$1")
bundle=${2:-/tmp/berth-demo}
here=$(dirname "$(realpath "$0")")

# The script given to `sh -c` is what the container runs.
bash "$here/make-bundle.sh" --spec-from "$berth" "$bundle" sh -c '
echo "hello from inside a berth container"
echo "  hostname: $(hostname)   pid: $$   uid: $(id -u)"
echo "  root filesystem: $(ls / | tr "\n" " ")"'

echo "== berth check --bundle $bundle"
"$berth" check --bundle "$bundle"

echo "== berth run --bundle $bundle berth-demo"
"$berth" delete --force berth-demo >/dev/null 2>&1 || true
"$berth" run --bundle "$bundle" berth-demo
