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
  # benchmarks (bench/run-bench.sh: latency plot, /usr/bin/time; bench/syscall-profile.sh)
  gnuplot-nox time strace
  # bench/setup-crun.sh: the newest crun (sid's binary package, when its source is not served) runs with sid's glibc
  patchelf
  # reference runtimes for comparisons, runc's bats suite
  runc crun bats
  # fuzzing (libFuzzer)
  clang
  # D-Bus client tests (tests/unit/dbus_connection_test.cpp): a private dbus-daemon, dbus-send as a second client
  dbus-daemon dbus-bin
  # cgroup v2 tests in VMs (tests/cgroupv2-vm, tests/systemd-vm; the guest kernel is apt-get download-ed at
  # test time, the systemd VM's image debootstrap-ped once per build tree)
  qemu-system-x86 cpio xz-utils zstd
  # conformance: runc 1.1.5 bats suite from the Debian source package (conformance/setup.sh)
  dpkg-dev gawk debootstrap golang-go
  # conformance/run.sh runs bats under `tini -s`, a subreaper that reaps the suite's orphans at once
  tini
  golang-github-containerd-console-dev golang-github-urfave-cli-dev golang-golang-x-sys-dev
  golang-github-cyphar-filepath-securejoin-dev golang-github-opencontainers-specs-dev
  golang-github-seccomp-libseccomp-golang-dev golang-github-sirupsen-logrus-dev
  # (runc 1.3.6's suite needs nothing more here: conformance/setup.sh --suite 1.3.6 fetches sid's
  # runc source, sid's Go libraries and trixie's Go 1.24 through a private apt configuration below
  # conformance/work/ and extracts them there, so the host's apt never sees sid or trixie)
  # real clients driving berth (conformance/clients): each test starts its own private daemon
  containerd docker.io podman conmon uidmap slirp4netns fuse-overlayfs catatonit
)
# shellcheck disable=SC2206
packages+=(${BERTH_EXTRA_PACKAGES:-})

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: must run as root" >&2
  exit 1
fi

# One dpkg-query for all of them (packages dpkg has never seen are simply not listed).
installed=" $(dpkg-query -W -f='${db:Status-Status}:${Package} ' "${packages[@]}" 2>/dev/null | tr ' ' '\n' | sed -n 's/^installed://p' | tr '\n' ' ' || true)"
missing=()
for pkg in "${packages[@]}"; do
  [[ "$installed" == *" $pkg "* ]] || missing+=("$pkg")
done

# The cgroup v2 VM test fetches its guest kernel with `apt-get download`, which
# needs package lists even when nothing is missing (fresh images ship none).
have_lists() { compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; }

if [ ${#missing[@]} -eq 0 ] && have_lists; then
  echo "install-deps.sh: all ${#packages[@]} packages already installed"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps.sh: installing ${missing[*]}"
  # containerd and docker.io start their daemons from postinst; the client tests run private
  # daemons of their own, so forbid service starts while apt runs (policy-rc.d: 101 = refuse).
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
