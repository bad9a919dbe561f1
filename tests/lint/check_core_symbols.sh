#!/bin/sh
# check_core_symbols.sh NM LIB... - core/ calls nothing outside itself, its
# port interface (nx_port_*), libfdt (fdt_*) and the memory/string functions
# every freestanding C implementation provides. Sanitizer hooks are allowed
# in the host-asan build, and libFuzzer's coverage hooks (__sancov_*) in
# host-fuzz. Any other undefined symbol fails, with its name.
set -u
nm=$1
shift
defined=$(mktemp)
undefined=$(mktemp)
trap 'rm -f "$defined" "$defined.one" "$undefined"' EXIT
[ $# -ge 1 ] || { echo "check_core_symbols.sh: no core libraries given" >&2; exit 2; }
for lib in "$@"; do
    [ -r "$lib" ] || { echo "check_core_symbols.sh: cannot read $lib" >&2; exit 2; }
    "$nm" -g --defined-only "$lib" >"$defined.one" || { echo "check_core_symbols.sh: $nm failed on $lib" >&2; exit 2; }
    awk 'NF == 3 { print $3 }' "$defined.one" >>"$defined"
    "$nm" -g --undefined-only "$lib" >"$defined.one" || exit 2
    awk '$1 == "U" { print $2 }' "$defined.one" >>"$undefined"
done
rm -f "$defined.one"
[ -s "$defined" ] || { echo "check_core_symbols.sh: the libraries define nothing: wrong files?" >&2; exit 2; }
allowed='^(nx_port_[a-z_]+|fdt_[a-z_0-9]+|mem(cpy|move|set|cmp|chr)|strn?len|strrchr|__(a|ub)san_.*|__sanitizer_.*|__sancov_.*)$'
bad=$(sort -u "$undefined" | grep -vxF -f "$defined" | grep -Ev "$allowed")
if [ -n "$bad" ]; then
    echo "core/ refers to symbols outside core, its port interface and libfdt:"
    echo "$bad" | sed 's/^/  /'
    exit 1
fi
echo "core/ external references: port interface, libfdt and freestanding mem*/str* only"
