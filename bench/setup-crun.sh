#!/bin/bash
# The newest crun in Debian's archive (today 1.28 in sid), for run-bench.sh to
# compare against, next to bookworm's crun 1.8.1 (issue 18).
#
#   bench/setup-crun.sh CACHE_DIR      -> prints the path of the crun binary
#
# As root. Cached: when CACHE_DIR/crun already runs, nothing else happens (a
# second call costs one `crun --version`). Only Debian's archive is used, through
# a private apt configuration in CACHE_DIR/apt (a deb and a deb-src line for sid):
# the host's sources.list and package lists are not touched.
#
# 1. The source package (`apt-get source crun/sid`), built on bookworm with the
#    build dependencies bookworm has (libblake3-dev and libwasmedge-dev it has
#    not: crun builds without them), statically when it links, else as it comes.
# 2. When the archive does not serve that source (its mirror here answers 404
#    for crun_1.28.orig.tar.gz and the .dsc), sid's binary package instead, as
#    Debian built it. It needs glibc >= 2.38 and libblake3 (bookworm has 2.36 and
#    none): sid's libc6 and libblake3-0 are unpacked next to it and the binary's
#    ELF interpreter and RUNPATH point there (patchelf), so its /proc/self/exe
#    re-exec works as installed; its other libraries are bookworm's.
# CACHE_DIR/crun.txt says which of the two it is.
set -euo pipefail
export LC_ALL=C

cache=${1:?usage: setup-crun.sh CACHE_DIR}
mkdir -p "$cache"
cache=$(realpath "$cache")
if [ -x "$cache/crun" ] && "$cache/crun" --version >/dev/null 2>&1; then
  echo "$cache/crun"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "setup-crun.sh: needs root (apt-get)" >&2; exit 77; }

apt_dir=$cache/apt
mkdir -p "$apt_dir/lists/partial"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$apt_dir/sources.list" <<EOF
deb [signed-by=$keyring] http://deb.debian.org/debian sid main
deb-src [signed-by=$keyring] http://deb.debian.org/debian sid main
EOF
private=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
         -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -q)
mkdir -p "$apt_dir/cache/archives/partial"
apt-get "${private[@]}" update >&2
version=$(apt-cache "${private[@]}" showsrc crun | sed -n 's/^Version: //p' | sort -V | tail -n 1)
[ -n "$version" ] || { echo "setup-crun.sh: no crun source in sid's index" >&2; exit 1; }

work=$cache/work
rm -rf "$work"
mkdir -p "$work"
cd "$work"

from_source() {
  apt-get "${private[@]}" source --download-only "crun=$version" >&2 || return 1
  # set -e does not apply inside `if ! (from_source)`: every step says it failed.
  dpkg-source -x ./crun_*.dsc src >&2 || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    automake autoconf libtool gperf go-md2man libjson-c-dev libsystemd-dev libcap-dev \
    libseccomp-dev pkgconf python3 >&2 || return 1
  cd src || return 1
  [ -x configure ] || ./autogen.sh >&2 || return 1
  local how
  if ./configure --disable-systemd --disable-criu --disable-dl LDFLAGS=-static >&2 && make -j"$(nproc)" crun >&2; then
    how="built here from Debian's source package, static (without systemd, criu)"
  else
    make distclean >/dev/null 2>&1 || true
    ./configure >&2 && make -j"$(nproc)" crun >&2 || return 1
    how="built here from Debian's source package, dynamically linked"
  fi
  cp crun "$cache/crun.new" || return 1
  echo "crun $version: $how" >"$cache/crun.txt"
}

from_binary() {
  apt-get "${private[@]}" download "crun=$version" libc6/sid libblake3-0/sid >&2
  local debs=$cache/debs lib
  rm -rf "$debs"
  for d in ./*.deb; do dpkg-deb -x "$d" "$debs"; done
  lib=$debs/usr/lib/x86_64-linux-gnu
  cp "$debs/usr/bin/crun" "$cache/crun.new"
  patchelf --set-interpreter "$lib/ld-linux-x86-64.so.2" --set-rpath "$lib" "$cache/crun.new"
  echo "crun $version: Debian's binary package from sid (dynamically linked; sid's glibc $(apt-cache "${private[@]}" show libc6/sid | sed -n 's/^Version: //p' | head -n 1) and libblake3, bookworm's other libraries), its source not served by the archive mirror" >"$cache/crun.txt"
}

if ! (from_source); then
  echo "setup-crun.sh: crun $version's source package could not be fetched or built; using sid's binary package" >&2
  cd "$work"
  command -v patchelf >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q patchelf >&2
  from_binary
fi
mv "$cache/crun.new" "$cache/crun"
"$cache/crun" --version >&2
rm -rf "$work"
echo "$cache/crun"
