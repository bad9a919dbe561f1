/*
 * rv/usercopy.h - the one routine that touches user memory (usercopy.S),
 * and the trap path's way out of it.
 *
 * rv_user_copy runs with sstatus.SUM set (the only code that does) and
 * returns failure instead of faulting: a load or store page fault (or
 * access fault) on a user address taken inside [rv_user_copy,
 * rv_user_copy_end) is recovered by rv_trap (trap.c), which resumes at
 * rv_user_copy_fixup with SUM off, and the routine returns false. The
 * callers (aspace.c) walk the page tables first; the recovery is the
 * backstop for a page another hart unmaps between that walk and the copy.
 */
#ifndef RV_USERCOPY_H
#define RV_USERCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copy `len` bytes from `src` to `dst` (not the same memory: aspace.c
 * sends a copy whose user pages alias its kernel range through a bounce
 * page; either may be a user address) with SUM set around the copy: 8 bytes at a time when both
 * are 8-byte aligned, else byte by byte. True when every byte was copied;
 * false when an access to a user address faulted, after a prefix of `dst`
 * may have been written. SUM is clear on return either way. A fault on a
 * kernel address is a kernel bug and panics like any other. */
bool rv_user_copy(void *dst, const void *src, size_t len);

/* usercopy.S: the end of the instructions whose faults are recovered
 * (rv_user_copy is the start), and where a recovered fault resumes. */
extern const char rv_user_copy_end[], rv_user_copy_fixup[];

/* Faults rv_trap has recovered in rv_user_copy since boot, every hart. */
uint64_t rv_user_copy_faults(void);

/* At machine init, on the boot hart with paging on: makes rv_user_copy
 * fault for real, with no page walk first (a load and a store in the user
 * range with no space active; then, in a scratch space, a copy that runs
 * off the end of its one page) and checks each returns false with SUM
 * clear and the fault counted. Panics otherwise; prints one line. */
void rv_user_copy_selfcheck(void);

#endif /* RV_USERCOPY_H */
