# The boot bundle: every selftest program (tests/programs/programs.cmake)
# built for U-mode as its own ELF, and one the loader must refuse (W^X),
# all linked into the kernel image (bundle_images.S, generated) and listed
# by bundle.c. Included by port-rv64/CMakeLists.txt.
include(${CMAKE_SOURCE_DIR}/tests/programs/programs.cmake)

add_library(nx_user_runtime STATIC ${CMAKE_CURRENT_LIST_DIR}/crt0.S
                                   ${CMAKE_CURRENT_LIST_DIR}/runtime.c)
target_include_directories(nx_user_runtime PRIVATE ${CMAKE_SOURCE_DIR}/include)
target_compile_options(nx_user_runtime PRIVATE $<$<COMPILE_LANGUAGE:C>:${NX_WARNINGS}> -O2)
target_link_libraries(nx_user_runtime PRIVATE nx_freestanding)

# Programs of this port alone (user/programs): real registers and real
# exceptions, which the simulator has not. One fault_<kind> image per kind
# of exception a program can take (fault_kind.c, RV_FAULT selects).
set(NX_RV64_FAULT_PROGRAMS fault_csr fault_fp fault_ebreak fault_misaligned fault_kernel_load
    fault_exec_stack)
set(NX_RV64_PROGRAMS registers ${NX_RV64_FAULT_PROGRAMS})
set(nx_user_programs ${NX_PROGRAMS} ${NX_BENCH_PROGRAMS} ${NX_RV64_PROGRAMS} wx_refused)

set(nx_bundle_asm "    .section .rodata.bundle, \"a\"\n")
set(nx_bundle_elves)
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/user/bundle)
foreach(p ${nx_user_programs})
  set(script ${CMAKE_CURRENT_LIST_DIR}/user.ld)
  if(p STREQUAL "wx_refused")
    set(script ${CMAKE_CURRENT_LIST_DIR}/wx.ld)
  endif()
  list(FIND NX_RV64_FAULT_PROGRAMS ${p} fault_index)
  if(p STREQUAL "registers")
    add_executable(user_${p} ${CMAKE_CURRENT_LIST_DIR}/programs/registers.c
                             ${CMAKE_CURRENT_LIST_DIR}/programs/registers.S)
  elseif(fault_index GREATER_EQUAL 0)
    add_executable(user_${p} ${CMAKE_CURRENT_LIST_DIR}/programs/fault_kind.c)
    target_compile_definitions(user_${p} PRIVATE RV_FAULT=${fault_index} RV_FAULT_NAME=${p}
                                                 RV_FAULT_STR="${p}")
  else()
    add_executable(user_${p} ${CMAKE_SOURCE_DIR}/tests/programs/${p}.c)
  endif()
  set_target_properties(user_${p} PROPERTIES SUFFIX ".elf"
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/user LINK_DEPENDS ${script})
  target_include_directories(user_${p} PRIVATE ${CMAKE_SOURCE_DIR}/include
                             ${CMAKE_SOURCE_DIR}/tests/support)
  target_compile_options(user_${p} PRIVATE $<$<COMPILE_LANGUAGE:C>:${NX_WARNINGS}> -O2)
  target_link_libraries(user_${p} PRIVATE nx_freestanding nx_user_runtime ${NX_RV64_LIBGCC})
  target_link_options(user_${p} PRIVATE -T ${script} -Wl,-z,max-page-size=4096
                      -Wl,--gc-sections)
  if(p STREQUAL "wx_refused")
    target_link_options(user_${p} PRIVATE -Wl,--no-warn-rwx-segments) # on purpose
  endif()
  # The kernel carries a copy without debug information (user/user_<name>.elf
  # keeps it, for a debugger).
  set(elf ${CMAKE_BINARY_DIR}/user/bundle/${p}.elf)
  add_custom_command(TARGET user_${p} POST_BUILD
    COMMAND ${CMAKE_OBJCOPY} --strip-debug $<TARGET_FILE:user_${p}> ${elf}
    BYPRODUCTS ${elf} VERBATIM)
  list(APPEND nx_bundle_elves ${elf})
  string(APPEND nx_bundle_asm
    "    .globl nx_image_${p}\n    .balign 8\nnx_image_${p}:\n    .incbin \"${elf}\"\n"
    "    .globl nx_image_${p}_end\nnx_image_${p}_end:\n")
endforeach()
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/bundle_images.S "${nx_bundle_asm}")
set_source_files_properties(${CMAKE_CURRENT_BINARY_DIR}/bundle_images.S PROPERTIES
  OBJECT_DEPENDS "${nx_bundle_elves}")

# What the kernel target adds (port-rv64/CMakeLists.txt).
set(NX_BUNDLE_SOURCES ${CMAKE_CURRENT_LIST_DIR}/bundle.c
                      ${CMAKE_CURRENT_BINARY_DIR}/bundle_images.S)
set(NX_BUNDLE_TARGETS)
foreach(p ${nx_user_programs})
  list(APPEND NX_BUNDLE_TARGETS user_${p})
endforeach()
