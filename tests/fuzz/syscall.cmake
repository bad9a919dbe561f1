# The system call fuzzer on the simulated machine (tests/fuzz/syscall_fuzz.c,
# the program tests/programs/fuzz.c), label "fuzz". The default run is what
# ./nexus test asks for: at least 1,000,000 fuzzed system calls.
add_executable(syscall_fuzz ${CMAKE_CURRENT_LIST_DIR}/syscall_fuzz.c)
target_link_libraries(syscall_fuzz PRIVATE nx_test_support nx_sim_programs)
nx_host_warnings(syscall_fuzz)
add_test(NAME syscall_fuzz COMMAND syscall_fuzz)
set_tests_properties(syscall_fuzz PROPERTIES LABELS "fuzz" TIMEOUT 900)
