#!/bin/sh
# check.sh NEXUS_SIM FILE.nxs WORKDIR - run one scenario file (ctest label
# `scenario`). It must meet every expectation, its digest among them. When
# it does not and a golden recording FILE.rec sits next to it, replay that
# recording: the first event where today's kernel does something else is
# printed with its neighbours. Accept an intended change with update.sh.
set -u
sim=$1 file=$2 work=$3
golden=${file%.nxs}.rec
mkdir -p "$work" || exit 2
if "$sim" run "$file" --quiet; then
    exit 0
fi
echo "check.sh: $file failed its expectations" >&2
if [ -f "$golden" ]; then
    echo "check.sh: replaying the golden recording $golden to find the first differing event:" >&2
    "$sim" replay "$golden" --quiet
    echo "check.sh: if the change is intended, run tests/scenario/update.sh and commit the new digests and recordings" >&2
fi
exit 1
