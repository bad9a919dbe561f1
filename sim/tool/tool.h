/*
 * tool.h - what the nexus-sim commands share (sim/tool/): exit statuses,
 * usage errors, number and file reading.
 */
#ifndef NXSIM_TOOL_H
#define NXSIM_TOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses, shared with ./nexus (also in --help and docs/scenarios.md):
 * 0, 1 and 3 are the kernel's own (NX_EXIT_*) for `boot`. */
enum {
    NX_TOOL_OK = 0,          /* passed: every expectation held */
    NX_TOOL_FAILED = 1,      /* an expectation (or selftest) failed */
    NX_TOOL_USAGE = 2,       /* bad command line, scenario or recording */
    NX_TOOL_PANIC = 3,       /* boot: the kernel panicked */
    NX_TOOL_SIM_STOPPED = 4, /* boot: deadlock or time limit, no power-off */
    NX_TOOL_HOST = 5,        /* the host failed (memory, files) */
    NX_TOOL_DIVERGED = 6,    /* replay: the run differs from its recording */
};

/* "nexus-sim: <message> (see nexus-sim <cmd> --help)" on stderr; returns NX_TOOL_USAGE. */
int nx_tool_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* An unsigned decimal (or 0x hex) number up to `limit`: 0, or -1. */
int nx_tool_parse_u64(const char *s, uint64_t limit, uint64_t *out);

/* A whole file (at most `max` bytes) into a malloc'd, NUL-terminated
 * buffer; NULL when it cannot be read or is larger. */
char *nx_tool_read_file(const char *path, size_t max, size_t *size);

int nx_tool_boot(int argc, char **argv);
int nx_tool_run(int argc, char **argv);
int nx_tool_replay(int argc, char **argv);
int nx_tool_explore(int argc, char **argv);

#endif /* NXSIM_TOOL_H */
