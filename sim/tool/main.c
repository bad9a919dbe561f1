/*
 * main.c - the nexus-sim command: run the kernel on the simulated machine.
 *
 *   nexus-sim boot      boot with command-line options (sim/tool/boot.c)
 *   nexus-sim run       run a scenario file, maybe record it or trace it
 *   nexus-sim replay    re-run a recording and check it matches
 *   nexus-sim explore   run a scenario over many seeds, report failures
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: nexus-sim COMMAND [options]   (nexus-sim COMMAND --help for each)\n"
            "\n"
            "Run the Open Nexus kernel on the deterministic simulated machine.\n"
            "\n"
            "commands:\n"
            "  boot      boot the kernel with its selftests, options on the command line\n"
            "  run       run a scenario file (docs/scenarios.md); --record, --trace\n"
            "  replay    re-run a recording and check every event matches\n"
            "  explore   run a scenario over a range of seeds; print how to reproduce failures\n"
            "\n"
            "exit status: 0 passed, 1 an expectation or selftest failed, 2 usage, scenario or\n"
            "             recording error, 3 kernel panic (boot), 4 the machine stopped without\n"
            "             powering off (boot), 5 the host failed, 6 a replay diverged.\n");
}

int nx_tool_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "nexus-sim: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see nexus-sim %s --help)\n", cmd);
    va_end(ap);
    return NX_TOOL_USAGE;
}

int nx_tool_parse_u64(const char *s, uint64_t limit, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    int base = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
    unsigned long long v = strtoull(s, &end, base);
    if (errno != 0 || *end != '\0' || v > limit)
        return -1;
    *out = v;
    return 0;
}

char *nx_tool_read_file(const char *path, size_t max, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(max + 1u);
    size_t n = buf != NULL ? fread(buf, 1, max, f) : 0u;
    if (buf != NULL && (ferror(f) || (n == max && fgetc(f) != EOF))) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf != NULL)
        buf[n] = '\0';
    *size = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return NX_TOOL_OK;
    }
    const char *cmd = argc >= 2 ? argv[1] : "";
    if (strcmp(cmd, "boot") == 0)
        return nx_tool_boot(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return nx_tool_run(argc - 1, argv + 1);
    if (strcmp(cmd, "replay") == 0)
        return nx_tool_replay(argc - 1, argv + 1);
    if (strcmp(cmd, "explore") == 0)
        return nx_tool_explore(argc - 1, argv + 1);
    usage(stderr);
    fprintf(stderr, "nexus-sim: unknown command '%s': use boot, run, replay or explore\n", cmd);
    return NX_TOOL_USAGE;
}
