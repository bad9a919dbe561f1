/*
 * nexus/limits.h - bounds that are part of the ABI.
 *
 * Every table, queue and wait in the kernel is bounded by a named constant.
 * The ones a user program can observe live here; values are documented in
 * docs/boot.md (boot bounds) and the ABI reference, and tests exercise each
 * at the bound and one past it.
 */
#ifndef NEXUS_LIMITS_H
#define NEXUS_LIMITS_H

/* Harts the kernel runs on. A DTB listing more gets the first ones (the boot
 * hart always among them) and a console note. Hart sets are 32-bit masks. */
#define NX_MAX_HARTS 8u

#endif /* NEXUS_LIMITS_H */
