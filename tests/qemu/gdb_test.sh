#!/bin/sh
# gdb_test.sh - the debugging path works: QEMU halted with its gdb stub,
# gdb-multiarch attached with kernel.elf's symbols, a breakpoint in core's
# boot is hit and a backtrace names it; then one on the system call entry
# is hit by a U-mode program's ecall, with the trap path in the backtrace.
#
# usage: gdb_test.sh QEMU KERNEL
set -u
[ $# -eq 2 ] || { echo "usage: gdb_test.sh QEMU KERNEL" >&2; exit 2; }
qemu=$1 kernel=$2
command -v gdb-multiarch >/dev/null || { echo "gdb_test.sh: gdb-multiarch not installed (./nexus setup)" >&2; exit 1; }
port=$((20000 + $$ % 20000))
out=$(mktemp) cmds=$(mktemp)
"$qemu" -machine virt -m 128M -bios default -smp 2 -kernel "$kernel" -display none \
    -monitor none -serial null -gdb "tcp:127.0.0.1:$port" -S </dev/null >/dev/null 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; rm -f "$out" "$cmds"' EXIT
cat >"$cmds" <<CMDS
target remote :$port
break nx_kernel_boot
continue
bt 1
break nx_kernel_syscall
continue
bt 3
CMDS
timeout 60 gdb-multiarch -q -nx -batch "$kernel" -x "$cmds" >"$out" 2>&1
if grep -q "Breakpoint 1, nx_kernel_boot" "$out" && grep -q "^#0  nx_kernel_boot" "$out" &&
    grep -q "Breakpoint 2, nx_kernel_syscall (nr=" "$out" && grep -q "in rv_trap_user (frame=" "$out"; then
    echo "gdb_test.sh: breakpoints in nx_kernel_boot and nx_kernel_syscall hit, backtraces resolved"
    exit 0
fi
echo "gdb_test.sh: gdb did not stop in nx_kernel_boot and then nx_kernel_syscall; its output:" >&2
cat "$out" >&2
exit 1
