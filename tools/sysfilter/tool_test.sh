#!/bin/sh
# tool_test.sh TOOL PROFILE WORKDIR - nexus-sysfilter end to end.
set -u
tool=$1 profile=$2 work=$3
fail() { echo "tool_test: $*" >&2; exit 1; }
"$tool" check "$profile" | grep -q ': ok, 5 rules, 1 buckets' || fail "check did not pass $profile"
"$tool" compile "$profile" -o "$work/service.blob" || fail "compile failed"
[ "$(wc -c < "$work/service.blob")" -eq 608 ] || fail "the blob is not 24 + 24 + 5 x 112 bytes"
"$tool" explain "$profile" vmo_create 4096 | grep -q 'line 8 (rule 2): allow' || fail "explain 4096"
"$tool" explain "$profile" vmo_create 70000 | grep -q 'the default, deny' || fail "explain 70000"
printf 'nexus-sysfilter 1\nallow vmo_create if a0 <== 5\n' > "$work/broken.nxf"
out=$("$tool" check "$work/broken.nxf" 2>&1)
[ $? -eq 1 ] || fail "a broken profile did not exit 1"
echo "$out" | grep -q 'broken.nxf:2:24: expected a test' || fail "no located error: $out"
"$tool" bogus 2>/dev/null; [ $? -eq 2 ] || fail "a bad command did not exit 2"
echo "tool_test: ok"
