#!/bin/sh
# update.sh [BUILD_DIR] - after an intended change of behaviour, record the
# scenario files again: each golden recording (FILE.rec) and the
# `expect digest` line of each file. Review the diff before committing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
sim=${1:-$here/../../build/host}/sim/nexus-sim
[ -x "$sim" ] || { echo "update.sh: $sim not built (cmake --build --preset host)" >&2; exit 2; }
for file in "$here"/boot.nxs "$here"/mixed.nxs "$here"/kill.nxs; do
    # Drop the old digest, record, and put the new one back.
    grep -v '^expect digest ' "$file" >"$file.tmp"
    mv "$file.tmp" "$file"
    "$sim" run "$file" --quiet --record "${file%.nxs}.rec" 2>"$file.log" || { cat "$file.log" >&2; rm -f "$file.log"; exit 1; }
    digest=$(sed -n 's/^digest \([0-9a-f]*\)$/\1/p' "${file%.nxs}.rec")
    rm -f "$file.log"
    echo "expect digest 0x$digest" >>"$file"
    # Record again with the digest line in the text the recording keeps.
    "$sim" run "$file" --quiet --record "${file%.nxs}.rec" 2>/dev/null
    echo "update.sh: $(basename "$file") digest 0x$digest"
done
