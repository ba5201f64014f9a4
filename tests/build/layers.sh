#!/bin/bash
# The layer rules of the source tree (issue 16), checked on every #include of
# berth's or the parser's headers:
#   - base/ (berth::Result, berth::UniqueFd) includes nothing of berth or oci-spec;
#   - oci-spec/ is a library of its own: it includes nothing of berth but base/;
#   - src/ and include/berth/ have one folder per concern, ordered low to high
#       util < cgroups, linux < process < container < cli
#     and a file never includes a header of a higher concern (cgroups and linux
#     may include each other); util includes only util, not even the parser.
# berth/version.hpp (generated constants, includes nothing) counts as util;
# src/main.cpp counts as cli.
# Prints every violation as `file:line: rule` and fails when there is one.
#
#   layers.sh [SOURCE_DIR]   (default: the checkout holding this script)
set -euo pipefail

root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"

declare -A level=([util]=0 [cgroups]=1 [linux]=1 [process]=2 [container]=3 [cli]=4)

# Sets `concern` to the concern of a file under src/ or include/berth/, or of an
# included berth/ header; empty when it has none.
concern_of() {
    case $1 in
        src/main.cpp) concern=cli ;;
        berth/version.hpp | include/berth/version.hpp.in) concern=util ;;
        src/*/* | include/berth/*/* | berth/*/*)
            concern=${1#src/}; concern=${concern#include/}; concern=${concern#berth/}; concern=${concern%%/*} ;;
        *) concern="" ;;
    esac
}

dirs=()
for dir in base src include/berth oci-spec; do [[ -d $dir ]] && dirs+=("$dir"); done

violations=0
violation() { echo "$1: $2"; violations=$((violations + 1)); }

while IFS= read -r hit; do
    file=${hit%%:*}
    rest=${hit#*:}
    line=${rest%%:*}
    [[ $rest =~ include[[:space:]]*[\<\"]([^\>\"]*) ]]
    header=${BASH_REMATCH[1]}
    where="$file:$line"
    case $file:$header in
        base/*) violation "$where" "base includes $header: base depends on nothing"; continue ;;
        oci-spec/*:berth/*) violation "$where" "oci-spec includes $header: oci-spec depends on nothing of berth but base/"; continue ;;
        oci-spec/*) continue ;;
    esac
    concern_of "$file"
    from=$concern
    if [[ -z $from || -z ${level[$from]+x} ]]; then
        violation "$where" "$file is not in a concern's folder (${!level[*]})"
        continue
    fi
    concern_of "$header"
    to=$concern
    if [[ $from == util && $to != util ]]; then
        violation "$where" "util includes $header: util includes only util"
    elif [[ $header == oci/* ]]; then
        continue  # the parser library, below every concern but util
    elif [[ -z $to || -z ${level[$to]+x} ]]; then
        violation "$where" "includes $header, which is not in a concern's folder"
    elif ((level[$to] > level[$from])); then
        violation "$where" "$from includes $header: $from is below $to (util < cgroups, linux < process < container < cli)"
    fi
done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](berth|oci)/' \
             --include='*.hpp' --include='*.cpp' --include='*.h' --include='*.in' \
             "${dirs[@]}" | sort -t: -k1,1 -k2,2n)

if ((violations > 0)); then
    echo "FAIL: $violations include(s) break the layer rules (README, Layout)" >&2
    exit 1
fi
echo "layers: ok"
