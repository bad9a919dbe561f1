#!/bin/sh
# tool_test.sh TOOL PROFILE WORKDIR SIM SCENARIO - nexus-sysfilter end to
# end: check, compile, explain, and learn-export from a recording of
# SCENARIO (made with SIM) and from a blob.
set -u
tool=$1 profile=$2 work=$3 sim=$4 scenario=$5
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

# learn-export: record a run, learn the service's profile from it.
"$sim" run "$scenario" --record "$work/learn.rec" >/dev/null 2>&1 || fail "cannot record $scenario"
"$tool" learn-export "$work/learn.rec" --program sysfilter_workload -o "$work/learned.nxf" \
    2>/dev/null || fail "learn-export from the recording failed"
for want in 'default deny NX_ERR_DENIED_BY_FILTER' 'allow time_now' \
    'allow channel_write if a0 type channel and a2 == 8 and a4 == 0' \
    'allow object_signal if a0 type event and a1 == 0 and a2 == 0x1000000' \
    'allow thread_sleep_until if a1 == 0' 'allow handle_close'; do
    grep -qx "$want" "$work/learned.nxf" || fail "the learned profile lacks '$want'"
done
[ "$(grep -c '^allow' "$work/learned.nxf")" -eq 8 ] || fail "not one rule for each of 8 calls"
"$tool" compile "$work/learned.nxf" -o "$work/learned.blob" || fail "the learned profile does not compile"
"$tool" learn-export "$work/learned.blob" -o "$work/again.nxf" || fail "learn-export from a blob failed"
grep -v '^#' "$work/learned.nxf" > "$work/a" && grep -v '^#' "$work/again.nxf" > "$work/b"
cmp -s "$work/a" "$work/b" || fail "the blob's text is not the recording's"
# Refusals: each one line, exit 1.
expect_error() { # WANT ARGS...
    want=$1; shift
    out=$("$tool" learn-export "$@" 2>&1 >/dev/null); code=$?
    [ $code -eq 1 ] || fail "learn-export $*: exit $code, not 1"
    echo "$out" | grep -q "$want" || fail "learn-export $*: '$out' does not say '$want'"
}
expect_error 'name the program to learn' "$work/learn.rec"
expect_error "starts no program 'nobody'" "$work/learn.rec" --program nobody
expect_error 'is a blob: --program is for recordings' "$work/learned.blob" --program x
expect_error 'cannot open' "$work/missing"
expect_error 'neither a filter blob nor a recording' "$profile"
head -c 100 "$work/learned.blob" > "$work/short.blob"
expect_error 'where its header counts' "$work/short.blob"
# An op no profile has: the second rule's first matcher's op, byte
# 24 (header) + 112 (a rule) + 16 (its matchers) + 1.
{ head -c 153 "$work/learned.blob"; printf '\377'; tail -c +155 "$work/learned.blob"; } > "$work/bad.blob"
expect_error 'a field no profile can hold' "$work/bad.blob"
# A nonzero reserved byte: the first rule's (byte 24 + 3).
{ head -c 27 "$work/learned.blob"; printf '\001'; tail -c +29 "$work/learned.blob"; } > "$work/reserved.blob"
expect_error 'reserved field that is not zero' "$work/reserved.blob"
echo "tool_test: ok"
