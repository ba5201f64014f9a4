#!/bin/bash
# Checks the shipped shape of the berth binary (issue 2):
#   - fully static: no program interpreter, no dynamic section, ldd refuses it;
#   - no NSS: none of glibc's user/group/host look-ups is linked in (users and
#     groups come from the container's /etc/passwd and /etc/group, parsed by us);
#     static glibc would dlopen NSS modules of the host at run time;
#   - no iostreams: <fstream>/<sstream>/<iostream> bring std::locale and its
#     facets (~500 KB, a third of the binary); read files with berth/util/file.hpp;
#   - stripped size <= --max-size bytes (2 MiB in Release builds);
#   - the stripped binary still answers --version.
#
#   binary_test.sh BERTH [--max-size BYTES]
set -euo pipefail

berth=${1:?usage: binary_test.sh BERTH [--max-size BYTES]}
max_size=""
if [ "${2:-}" = "--max-size" ]; then max_size=${3:?--max-size needs a value}; fi

fail=0
problem() { echo "FAIL: $*" >&2; fail=1; }

# Static.
if readelf -lW "$berth" | grep -q 'INTERP'; then problem "$berth has a program interpreter (dynamically linked)"; fi
if ! readelf -dW "$berth" | grep -q 'There is no dynamic section'; then problem "$berth has a dynamic section"; fi
ldd_says=$(ldd "$berth" 2>&1 || true)  # ldd exits 1 for a static binary
if ! grep -q 'not a dynamic executable' <<<"$ldd_says"; then problem "ldd does not say 'not a dynamic executable': $ldd_says"; fi

# No NSS. Symbol names need the unstripped binary.
symbols=$(nm "$berth" 2>/dev/null || true)
if [ -z "$symbols" ]; then
  problem "$berth has no symbol table: cannot check for NSS functions (test the unstripped build output)"
else
  nss='^(getpw(nam|uid|ent)(_r)?|getgr(nam|gid|ent)(_r)?|getgrouplist|initgroups|getspnam(_r)?|getaddrinfo|getnameinfo|gethostby(name|name2|addr)(_r)?|getservby(name|port)(_r)?|getprotobyname(_r)?|getnetbyname|__nss_.*|_nss_.*)$'
  linked=$(awk '$(NF-1) ~ /^[TtWwU]$/ {n = $NF; sub(/@.*/, "", n); print n}' <<<"$symbols" | grep -E "$nss" | sort -u || true)
  if [ -n "$linked" ]; then problem "NSS functions linked in: $(echo $linked)"; fi
  # std::locale's constructor: every stream constructs one.
  if grep -q ' _ZNSt6localeC[12]Ev$' <<<"$symbols"; then
    problem "std::locale linked in: some product file uses iostreams (grep -rlE '<(fstream|sstream|iostream)>' src oci-spec include); use berth/util/file.hpp"
  fi
fi

# Size and a working stripped binary.
stripped=$(mktemp)
trap 'rm -f "$stripped"' EXIT
strip -o "$stripped" "$berth"
size=$(stat -c %s "$stripped")
echo "stripped size: $size bytes ($(( size / 1024 )) KiB)"
if [ -n "$max_size" ] && [ "$size" -gt "$max_size" ]; then
  problem "stripped size $size > $max_size bytes"
fi
if ! "$stripped" --version | grep -q '^berth version '; then problem "stripped binary: --version does not work"; fi

[ $fail -eq 0 ] && echo "OK: static, no NSS, no iostreams, size within limit"
exit $fail
