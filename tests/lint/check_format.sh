#!/bin/sh
# check_format.sh SOURCE_DIR - every C file in the tree matches .clang-format.
# Fix a failure with: clang-format -i <file>
set -u
cd "$1" || exit 2
command -v clang-format >/dev/null || { echo "clang-format not installed (./nexus setup)" >&2; exit 1; }
files=$(find core sim port-rv64 include tests -name '*.c' -o -name '*.h' | sort)
bad=0
for f in $files; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "not formatted: $f (run: clang-format -i $f)"
        bad=$((bad + 1))
    fi
done
[ "$bad" -eq 0 ] || { echo "$bad file(s) need clang-format"; exit 1; }
echo "$(echo "$files" | wc -l) files formatted"
