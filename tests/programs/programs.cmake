# The selftest programs (tests/programs/<name>.c), in the order of
# bundle.def: built for the simulator by tests/unit and for U-mode by
# port-rv64/user into the kernel's boot bundle.
set(NX_PROGRAMS syscalls handles every_hart affinity qos_order sleep coalescing ipis
    kernel_pointer channels ipc_wait ipc_call vmo_share vmo_peer vmo_wx
    vmo_sealed vmo_alias fault wild_entry fuzz sysfilter sysfilter_kill sysfilter_target
    sysfilter_policy devices blk_probe)
# Benchmark programs: the rv64 bundle runs them instead of the selftests when
# the bootargs say nexus.bench (tests/bench/run.sh, under QEMU -icount).
set(NX_BENCH_PROGRAMS bench_filter bench_syscall bench_yield bench_ipc bench_device)
# Simulator-only programs for scenarios (tests/scenario, nexus-sim): a mixed
# workload, a planted, interleaving-dependent bug for `explore`, and a
# workload to learn a syscall filter profile from (nexus-sysfilter learn-export).
set(NX_SIM_PROGRAMS mixed planted_race sysfilter_workload)
