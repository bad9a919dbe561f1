#!/bin/sh
# explore_planted.sh NEXUS_SIM FILE.nxs WORKDIR - `explore` must find the
# planted bug within 200 seeds, and both commands it prints for a failing
# seed must reproduce it: the replay matches the recording event for event
# and `run --seed` fails again.
set -u
sim=$1 file=$2 work=$3
rm -rf "$work" && mkdir -p "$work" || exit 2
"$sim" explore "$file" --seeds 0..199 --jobs 2 --dir "$work" 2>"$work/explore.log"
code=$?
cat "$work/explore.log" >&2
[ "$code" = 1 ] || { echo "explore_planted.sh: explore exited $code, wanted 1 (a failing seed)" >&2; exit 1; }
line=$(grep -m1 'FAILED: nexus-sim replay' "$work/explore.log")
rec=$(echo "$line" | sed -n 's/.*nexus-sim replay \([^ ]*\) .*/\1/p')
seed=$(echo "$line" | sed -n 's/.*--seed \([0-9]*\).*/\1/p')
[ -f "$rec" ] && [ -n "$seed" ] || { echo "explore_planted.sh: no replay command in: $line" >&2; exit 1; }
"$sim" replay "$rec" --quiet || { echo "explore_planted.sh: the replay of $rec did not match" >&2; exit 1; }
if "$sim" run "$file" --seed "$seed" --quiet; then
    echo "explore_planted.sh: run --seed $seed passed: the failure did not reproduce" >&2
    exit 1
fi
echo "explore_planted.sh: seed $seed fails and reproduces both ways" >&2
