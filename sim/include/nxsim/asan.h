/*
 * nxsim/asan.h - NX_SIM_ASAN: 1 when this file is compiled with
 * AddressSanitizer. gcc says so with __SANITIZE_ADDRESS__; clang 14 only
 * through __has_feature, which gcc 12 does not have (so the test is nested).
 * The fiber switches and the program-stack copies need to know.
 */
#ifndef NXSIM_ASAN_H
#define NXSIM_ASAN_H

#if defined(__SANITIZE_ADDRESS__)
#define NX_SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NX_SIM_ASAN 1
#endif
#endif
#ifndef NX_SIM_ASAN
#define NX_SIM_ASAN 0
#endif

#endif /* NXSIM_ASAN_H */
