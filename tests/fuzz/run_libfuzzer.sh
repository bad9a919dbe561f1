#!/bin/sh
# run_libfuzzer.sh FUZZER CORPUS DICT WORK SECONDS - the ctest of one
# libFuzzer target (label libfuzzer): every file of the in-tree corpus CORPUS
# run once (a regression check: inputs that once failed stay there), then
# SECONDS of fuzzing from a copy of the corpus in WORK, so the tree is never
# written. A failure prints the input that failed, kept under WORK, and the
# command that runs it again.
set -u
[ $# -eq 5 ] || { echo "usage: $0 FUZZER CORPUS DICT WORK SECONDS" >&2; exit 2; }
fuzzer=$1 corpus=$2 dict=$3 work=$4 seconds=$5
name=$(basename "$fuzzer")
rm -rf "$work" && mkdir -p "$work/corpus" "$work/crashes" || exit 1

# 1. The corpus, every file once, in one process (libFuzzer names each
#    file as it runs it, so a failure says which).
set --
for f in "$corpus"/*; do
    [ -f "$f" ] && set -- "$@" "$f"
done
[ $# -gt 0 ] || { echo "$name: no corpus files in $corpus"; exit 1; }
files=$#
if ! "$fuzzer" "$@" >"$work/replay.log" 2>&1; then
    cat "$work/replay.log"
    failed=$(sed -n 's/^Running: //p' "$work/replay.log" | tail -n 1)
    echo "$name: corpus file ${failed:-?} FAILED; reproduce: $fuzzer ${failed:-$corpus/...}"
    exit 1
fi
echo "$name: $files corpus files replayed: all pass"

# 2. A short pass of fuzzing, fixed in time and seed.
cp "$corpus"/* "$work/corpus/" || exit 1
set -- -max_total_time="$seconds" -seed=1 -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$work/crashes/"
[ -f "$dict" ] && set -- "$@" -dict="$dict"
"$fuzzer" "$@" "$work/corpus" >"$work/fuzz.log" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
    tail -n 80 "$work/fuzz.log"
    for input in "$work"/crashes/*; do
        [ -f "$input" ] && echo "$name: FAILED on $input; reproduce: $fuzzer $input"
    done
    echo "$name: the whole log is $work/fuzz.log"
    exit 1
fi
grep -E '^Done|stat::(number_of_executed_units|new_units_added)' "$work/fuzz.log"
echo "$name: ${seconds} s of fuzzing: no failure"
