# Cross-compiling for the qemu-rv64 preset: Debian's bare-metal RISC-V GCC
# (package gcc-riscv64-unknown-elf), no C library, S-mode kernel code.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)

find_program(NX_RV64_GCC riscv64-unknown-elf-gcc)
if(NOT NX_RV64_GCC)
  message(FATAL_ERROR "riscv64-unknown-elf-gcc not found (Debian package gcc-riscv64-unknown-elf): "
                      "run ./nexus setup")
endif()
set(CMAKE_C_COMPILER ${NX_RV64_GCC})
set(CMAKE_ASM_COMPILER ${NX_RV64_GCC})
# Nothing can be linked without our linker script: test the compiler only.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# RV64IMAC with the CSR and fence.i instructions; medany so the kernel runs
# at 0x80200000; no linker relaxation, so gp is never used as a base.
set(NX_RV64_ARCH "-march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -mno-relax")
# The preset links with LTO (small port calls such as nx_port_this_hart are
# inlined into core's hot paths); a function called once stays a function,
# and keeps its name (no .constprop/.isra/.part clones), so gdb can still
# break in nx_kernel_boot and friends.
set(NX_RV64_DEBUGGABLE_LTO
    "-fno-inline-functions-called-once -fno-ipa-cp -fno-ipa-sra -fno-partial-inlining")
set(CMAKE_C_FLAGS_INIT
    "${NX_RV64_ARCH} -ffreestanding -fno-common -fno-stack-protector -fno-pic ${NX_RV64_DEBUGGABLE_LTO}")
set(CMAKE_ASM_FLAGS_INIT "${NX_RV64_ARCH}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -Wl,--no-relax")
