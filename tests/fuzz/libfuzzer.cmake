# libFuzzer targets (NX_LIBFUZZER: the host-fuzz preset, clang), one per
# parser of input from outside the kernel: the device tree (fuzz_dtb.c), ELF
# images (fuzz_elf.c), scenario files (fuzz_scenario.c) and recordings
# (fuzz_recording.c). Each test libfuzzer_<target> (labels fuzz, libfuzzer)
# replays the target's corpus (corpus/<target>/) once, then fuzzes for
# NX_FUZZ_SECONDS from a copy of it (run_libfuzzer.sh). `nx_fuzz` builds them
# all; ./nexus fuzz runs longer campaigns. docs/fuzzing.md says more.
set(NX_FUZZ_TARGETS dtb elf scenario recording)
set(NX_FUZZ_SECONDS 10 CACHE STRING "Seconds of fuzzing in each libfuzzer_<target> test")

add_custom_target(nx_fuzz)
foreach(t ${NX_FUZZ_TARGETS})
  add_executable(fuzz_${t} ${CMAKE_CURRENT_LIST_DIR}/fuzz_${t}.c)
  # The libraries carry fuzzer-no-link (cmake/NexusBuild.cmake); this adds
  # libFuzzer's main.
  target_compile_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
  target_include_directories(fuzz_${t} PRIVATE ${CMAKE_SOURCE_DIR}/tests/support)
  nx_host_warnings(fuzz_${t})
  add_dependencies(nx_fuzz fuzz_${t})
  add_test(NAME libfuzzer_${t}
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run_libfuzzer.sh $<TARGET_FILE:fuzz_${t}>
                   ${CMAKE_CURRENT_LIST_DIR}/corpus/${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.dict
                   ${CMAKE_CURRENT_BINARY_DIR}/libfuzzer/${t} ${NX_FUZZ_SECONDS})
  set_tests_properties(libfuzzer_${t} PROPERTIES LABELS "fuzz;libfuzzer" TIMEOUT 300)
endforeach()
# The parsers, through the core's and the simulator's link groups.
target_link_libraries(fuzz_dtb PRIVATE nx_core nx_core_headers nx_libfdt_headers)
target_link_libraries(fuzz_elf PRIVATE nx_sim_runtime)
target_link_libraries(fuzz_scenario PRIVATE nx_sim_runtime nx_sim_programs)
target_link_libraries(fuzz_recording PRIVATE nx_sim_runtime)

# The seed corpora's generator: run by hand when the formats change
# (docs/fuzzing.md), never by the build.
add_executable(fuzz_make_corpus ${CMAKE_CURRENT_LIST_DIR}/make_corpus.c)
target_link_libraries(fuzz_make_corpus PRIVATE nx_sim_runtime)
target_include_directories(fuzz_make_corpus PRIVATE ${CMAKE_SOURCE_DIR}/tests/support)
nx_host_warnings(fuzz_make_corpus)
