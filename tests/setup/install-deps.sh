#!/bin/bash
# Installs every Debian 12 package berth's build, tests, conformance suite and
# benchmarks need. Idempotent and fast when everything is already there: it asks
# dpkg first and only runs apt-get (update + install) for what is missing.
# Run as root. Extra packages can be added with BERTH_EXTRA_PACKAGES="a b".
set -euo pipefail

packages=(
  # build
  build-essential cmake g++ git pkg-config
  libseccomp-dev libcap-dev rapidjson-dev
  # unit and integration tests, benchmarks
  googletest libgtest-dev libbenchmark-dev
  # test bundles and demo (busybox rootfs), scripts
  busybox-static jq util-linux procps iproute2
  # reference runtimes for comparisons, runc's bats suite
  runc crun bats
  # fuzzing (libFuzzer)
  clang
)
# shellcheck disable=SC2206
packages+=(${BERTH_EXTRA_PACKAGES:-})

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: must run as root" >&2
  exit 1
fi

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  if [ "$status" != "installed" ]; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps.sh: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
