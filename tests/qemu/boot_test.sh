#!/bin/sh
# boot_test.sh - boot kernel.elf under QEMU and check what its console says.
#
# usage: boot_test.sh --qemu QEMU --kernel ELF --harts N [--markers FILE]...
#                     [--expect LINE]... [--expect-match ERE]... [--append BOOTARGS]
#                     [--exit CODE | --exit hang] [--timeout SECONDS] [--disk KIB]
#                     [--virtio legacy|modern]
#
# Passes when QEMU exits with CODE (default 0; "hang": QEMU is still running
# at the timeout, as a kernel that halts does), every marker line (from each
# FILE, '#' lines skipped, and each --expect) appears as a whole console
# line, each --expect-match extended regular expression matches some line,
# and, when CODE is 0, no line contains "PANIC". On failure prints why and the whole
# console, so a CI log shows what the kernel said.
set -u

qemu= kernel= harts= append= want_exit=0 timeout_s=60 disk_kib= virtio=legacy
expects=$(mktemp) matches=$(mktemp) console=$(mktemp) disk=$(mktemp)
trap 'rm -f "$expects" "$matches" "$console" "$disk"' EXIT

while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || { echo "boot_test.sh: '$1' needs a value" >&2; exit 2; }
    case "$1" in
    --qemu) qemu=$2 ;;
    --kernel) kernel=$2 ;;
    --harts) harts=$2 ;;
    --markers)
        [ -r "$2" ] || { echo "boot_test.sh: cannot read markers file '$2'" >&2; exit 2; }
        grep -v '^#' "$2" | grep -v '^$' >>"$expects"
        ;;
    --expect) printf '%s\n' "$2" >>"$expects" ;;
    --expect-match) printf '%s\n' "$2" >>"$matches" ;;
    --append) append=$2 ;;
    --exit) want_exit=$2 ;;
    --timeout) timeout_s=$2 ;;
    --disk) disk_kib=$2 ;; # a zeroed raw image of KIB KiB as a virtio-blk disk
    --virtio) virtio=$2 ;; # the virtio-mmio layout QEMU offers
    *) echo "boot_test.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
    shift 2
done
[ -n "$qemu" ] && [ -n "$kernel" ] && [ -n "$harts" ] ||
    { echo "boot_test.sh: --qemu, --kernel and --harts are required" >&2; exit 2; }
case "$want_exit" in
hang | [0-9] | [0-9][0-9] | [0-9][0-9][0-9]) ;;
*) echo "boot_test.sh: --exit wants a number or 'hang', not '$want_exit'" >&2; exit 2 ;;
esac

# QEMU 7.2 offers the legacy virtio-mmio layout unless told otherwise; the
# drivers speak both (docs/devices-sim.md), so it is chosen on purpose.
case "$virtio" in
legacy) legacy=true ;;
modern) legacy=false ;;
*) echo "boot_test.sh: --virtio wants legacy or modern, not '$virtio'" >&2; exit 2 ;;
esac
set -- -machine virt -m 128M -nographic -bios default -smp "$harts" -kernel "$kernel" \
    -global virtio-mmio.force-legacy=$legacy
[ -z "$append" ] || set -- "$@" -append "$append"
if [ -n "$disk_kib" ]; then
    dd if=/dev/zero of="$disk" bs=1024 count="$disk_kib" 2>/dev/null ||
        { echo "boot_test.sh: cannot make the disk image $disk" >&2; exit 2; }
    set -- "$@" -drive "file=$disk,if=none,format=raw,id=d0" -device virtio-blk-device,drive=d0
fi
timeout "$timeout_s" "$qemu" "$@" </dev/null >"$console" 2>&1
status=$?

failed=0
fail() { echo "FAIL: $*"; failed=1; }
if [ "$want_exit" = hang ]; then
    [ "$status" -eq 124 ] || fail "QEMU exited $status; the kernel should have halted"
elif [ "$status" -eq 124 ]; then
    fail "QEMU did not power off within ${timeout_s} s"
elif [ "$status" -ne "$want_exit" ]; then
    fail "QEMU exited $status, expected $want_exit"
fi
# The UART writes \r\n: compare lines without the \r.
tr -d '\r' <"$console" >"$console.clean"
mv "$console.clean" "$console"
while IFS= read -r line; do
    grep -Fxq -- "$line" "$console" || fail "missing console line: $line"
done <"$expects"
while IFS= read -r pattern; do
    grep -Eq -- "$pattern" "$console" || fail "no console line matches: $pattern"
done <"$matches"
if [ "$want_exit" = 0 ] && grep -q 'PANIC' "$console"; then
    fail "the kernel panicked: $(grep 'PANIC' "$console" | head -n 1)"
fi

if [ "$failed" -ne 0 ]; then
    echo "---- console of the failed boot ($harts harts) ----"
    cat "$console"
    echo "---- end of console ----"
    exit 1
fi
echo "boot on $harts harts: exit $status, all $(($(wc -l <"$expects") + $(wc -l <"$matches"))) expected lines present"
exit 0
