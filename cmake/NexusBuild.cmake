# Build rules shared by every target: warnings, sanitizers, the freestanding
# flags core/ is held to, and a few helpers.

option(NX_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)

# Every target: C17, warnings are errors.
set(NX_WARNINGS -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wformat=2 -Wundef -Wvla)
# core/ also refuses silent narrowing and non-exhaustive switches on enums.
set(NX_CORE_WARNINGS ${NX_WARNINGS} -Wconversion -Wswitch-enum)

if(NX_SANITIZE)
  if(NOT NX_PORT STREQUAL "host")
    message(FATAL_ERROR "NX_SANITIZE is for host builds only (use the host-asan preset)")
  endif()
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# libFuzzer (the host-fuzz preset): every library gets the coverage
# instrumentation libFuzzer steers by plus ASan and UBSan; the fuzz
# executables (tests/fuzz/fuzz_*.c) add -fsanitize=fuzzer, which links
# libFuzzer's main. Only clang has libFuzzer: gcc builds never see it.
option(NX_LIBFUZZER "Build the libFuzzer targets of tests/fuzz (clang; the host-fuzz preset)" OFF)
if(NX_LIBFUZZER)
  if(NOT NX_PORT STREQUAL "host")
    message(FATAL_ERROR "NX_LIBFUZZER is for host builds only (use the host-fuzz preset)")
  endif()
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "NX_LIBFUZZER needs clang (Debian packages clang libclang-rt-14-dev), "
                        "not ${CMAKE_C_COMPILER_ID}: use the host-fuzz preset")
  endif()
  # C only: the assembler would call the flags unused.
  add_compile_options(
    "$<$<COMPILE_LANGUAGE:C>:-fsanitize=fuzzer-no-link,address,undefined;-fno-sanitize-recover=all;-fno-omit-frame-pointer>")
  add_link_options(-fsanitize=address,undefined)
endif()

# The compiler's own freestanding headers (stddef.h, stdint.h, stdatomic.h...):
# core/ is compiled with -nostdinc plus only this directory, so including a
# hosted libc header from core/ fails to build on every port.
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
                OUTPUT_VARIABLE NX_CC_FREESTANDING_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT EXISTS "${NX_CC_FREESTANDING_INCLUDE}/stdint.h")
  message(FATAL_ERROR "cannot find ${CMAKE_C_COMPILER}'s freestanding headers "
                      "(looked in '${NX_CC_FREESTANDING_INCLUDE}')")
endif()
add_library(nx_freestanding INTERFACE)
target_compile_options(nx_freestanding INTERFACE -ffreestanding -nostdinc
                       -isystem ${NX_CC_FREESTANDING_INCLUDE})

# nx_core_module(<name> SOURCES ...): one core/ subsystem as a static library,
# freestanding, with the core warnings. Modules call each other freely, so
# they never link one another: consumers link them all at once, as one link
# group (nx_core, nx_sim_runtime), together with the port that implements
# nx/port.h.
function(nx_core_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${NX_CORE_WARNINGS})
  target_link_libraries(${name} PUBLIC nx_core_headers PRIVATE nx_freestanding)
  set_property(GLOBAL APPEND PROPERTY NX_CORE_MODULES ${name})
endfunction()

# nx_host_warnings(<target>): warnings for host-side code (sim, tests, tools).
function(nx_host_warnings target)
  target_compile_options(${target} PRIVATE ${NX_WARNINGS})
endfunction()

# Link groups (the core modules call one another): CMake defines RESCAN only
# for hosted GNU platforms; the bare-metal toolchain uses the same GNU ld.
if(NOT CMAKE_C_LINK_GROUP_USING_RESCAN_SUPPORTED)
  set(CMAKE_C_LINK_GROUP_USING_RESCAN "LINKER:--start-group" "LINKER:--end-group")
  set(CMAKE_C_LINK_GROUP_USING_RESCAN_SUPPORTED TRUE)
endif()
