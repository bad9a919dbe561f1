#!/bin/sh
# run.sh - print one BENCH line per measured path.
#
#   run.sh HOST_BUILD_DIR [KERNEL_ELF]   all host benchmarks, then QEMU boot time
#   run.sh --smoke HOST_BUILD_DIR        each benchmark once, nothing measured
#
# BENCH <name> instr_per_op=<integer> ns_per_op=<number>
#   instructions: valgrind callgrind, counting only bench_measured() (or the
#   one function a benchmark names: nx_bench --collect), divided by the
#   iterations (deterministic for one binary); ns: a timed loop.
# BENCH sim_context_switches_per_host_second value=<n>: from sim_context_switch.
# BENCH sim_events_per_host_second / sim_replay_events_per_host_second
#   value=<n>, sim_replay_time_vs_run_percent value=<x>: the mixed scenario
#   (tests/scenario/mixed.nxs) run plainly and replayed against a recording.
# BENCH qemu_boot_4harts wall_ms=<n>: QEMU start to power-off (every
#   selftest and boot program passed), best of 3.
# BENCH rv64_null_syscall (also _filter_fixed, _filter_args, _filter_stack:
#   with a syscall filter) / rv64_yield_switch / rv64_irq_deliver_ack /
#   rv64_dma_pin_unpin_64k guest_instr_per_op=<n>: the
#   benchmark bundle (bootargs nexus.bench) on one hart under QEMU
#   -icount shift=0 (one guest instruction per virtual ns, so the programs'
#   clock counts guest instructions); printed by the programs themselves.
set -u

smoke=
if [ "${1:-}" = "--smoke" ]; then
    smoke=1
    shift
fi
[ $# -ge 1 ] || { echo "usage: run.sh [--smoke] HOST_BUILD_DIR [KERNEL_ELF]" >&2; exit 2; }
bench="$1/tests/bench/nx_bench"
kernel=${2:-}
[ -x "$bench" ] || { echo "run.sh: $bench not built (cmake --build --preset host-release)" >&2; exit 1; }

names=$("$bench" --list) || exit 1
if [ -n "$smoke" ]; then
    for name in $names; do
        "$bench" --run "$name" --iters 1 || { echo "run.sh: benchmark $name failed" >&2; exit 1; }
    done
    "$bench" --events >/dev/null || { echo "run.sh: the events benchmark failed" >&2; exit 1; }
    echo "run.sh: $(echo "$names" | wc -l) benchmarks and the events benchmark ran once"
    exit 0
fi

command -v valgrind >/dev/null || { echo "run.sh: valgrind not installed (./nexus setup)" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for name in $names; do
    case "$name" in
    sim_context_switch | sim_null_syscall | sim_call_reply) iters=1 ;;
    sim_*) iters=20 ;;
    bootinfo_*) iters=200 ;;
    handle_derive_*) iters=200 ;;
    handle_revoke_*) iters=3 ;;
    *) iters=20000 ;;
    esac
    echo "run.sh: measuring $name ($iters iterations under callgrind)" >&2
    collect=$("$bench" --collect "$name") || exit 1
    valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="$collect" \
        "$bench" --run "$name" --iters "$iters" >/dev/null 2>&1 ||
        { echo "run.sh: callgrind run of $name failed" >&2; exit 1; }
    total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$out" | head -n 1)
    [ -n "$total" ] || total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out" | head -n 1)
    [ -n "$total" ] || { echo "run.sh: no instruction total in callgrind output for $name" >&2; exit 1; }
    ns=$("$bench" --run "$name" --time) || exit 1
    unit=$("$bench" --unit "$name") || exit 1
    ops=$((iters * unit))
    echo "BENCH $name instr_per_op=$(((total + ops / 2) / ops)) ns_per_op=$ns"
    if [ "$name" = sim_context_switch ]; then
        # The issue's figure: simulated context switches per host second.
        echo "BENCH sim_context_switches_per_host_second value=$(awk -v ns="$ns" 'BEGIN { printf "%d", 1e9 / ns }')"
    fi
done

# The mixed scenario's events per host second, run and replayed (host time).
"$bench" --events || { echo "run.sh: the events benchmark failed" >&2; exit 1; }

if [ -n "$kernel" ]; then
    best=
    for run in 1 2 3; do
        t0=$(date +%s%N)
        qemu-system-riscv64 -machine virt -m 128M -nographic -bios default -smp 4 \
            -kernel "$kernel" </dev/null >"$out" 2>&1 ||
            { echo "run.sh: QEMU boot failed:" >&2; cat "$out" >&2; exit 1; }
        t1=$(date +%s%N)
        ms=$(((t1 - t0) / 1000000))
        [ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
    done
    grep -q 'init: all programs passed' "$out" || { echo "run.sh: boot did not pass" >&2; exit 1; }
    echo "BENCH qemu_boot_4harts wall_ms=$best"

    echo "run.sh: running the benchmark bundle under QEMU -icount shift=0" >&2
    qemu-system-riscv64 -machine virt -m 128M -nographic -bios default -smp 1 -icount shift=0 \
        -kernel "$kernel" -append nexus.bench </dev/null >"$out" 2>&1 ||
        { echo "run.sh: QEMU benchmark boot failed:" >&2; cat "$out" >&2; exit 1; }
    grep -q 'init: all programs passed' "$out" ||
        { echo "run.sh: the benchmark bundle did not pass:" >&2; cat "$out" >&2; exit 1; }
    grep '^BENCH rv64_' "$out" | tr -d '\r'
fi
