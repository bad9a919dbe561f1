/*
 * nexus-sysfilter - the syscall filter's host tool (docs/sysfilter.md).
 *
 *   nexus-sysfilter compile PROFILE -o BLOB   text to the kernel's blob
 *   nexus-sysfilter check PROFILE             parse only: OK, or the error
 *   nexus-sysfilter explain PROFILE SYSCALL [ARG...] [--handles-hold]
 *                                             which rule decides, and why
 *   nexus-sysfilter learn-export RECORDING --program NAME [-o PROFILE]
 *   nexus-sysfilter learn-export BLOB [-o PROFILE]
 *                                             a learned profile as text:
 *        replaying a simulator recording with the program learning, or
 *        the blob task_filter_learned wrote (learn_export.c)
 *
 * Errors are one line, "PROFILE:LINE:COLUMN: what"; exit 0 ok, 1 a bad
 * profile or file, 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn_export.h"
#include "profile_text.h"

#define MAX_TEXT (256u * 1024u)

static int usage(void)
{
    fprintf(stderr, "usage: nexus-sysfilter compile PROFILE -o BLOB\n"
                    "       nexus-sysfilter check PROFILE\n"
                    "       nexus-sysfilter explain PROFILE SYSCALL [ARG...] [--handles-hold]\n"
                    "       nexus-sysfilter learn-export RECORDING --program NAME [-o PROFILE]\n"
                    "       nexus-sysfilter learn-export BLOB [-o PROFILE]\n");
    return 2;
}

static int load(const char *path, nx_profile_t *p)
{
    static char text[MAX_TEXT];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "nexus-sysfilter: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t n = fread(text, 1, sizeof text, f);
    int more = fgetc(f);
    fclose(f);
    if (more != EOF) {
        fprintf(stderr, "nexus-sysfilter: %s is over %u bytes: not a profile\n", path, MAX_TEXT);
        return 1;
    }
    nx_profile_error_t err;
    if (!nx_profile_parse(text, n, p, &err)) {
        fprintf(stderr, "%s:%u:%u: %s\n", path, err.line, err.column, err.message);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    static nx_profile_t p;
    if (strcmp(argv[1], "check") == 0 && argc == 3) {
        int st = load(argv[2], &p);
        if (st == 0)
            printf("%s: ok, %u rules, %u buckets\n", argv[2], p.header.rule_count,
                   p.header.bucket_count);
        return st;
    }
    if (strcmp(argv[1], "compile") == 0 && argc == 5 && strcmp(argv[3], "-o") == 0) {
        int st = load(argv[2], &p);
        if (st != 0)
            return st;
        static unsigned char blob[NX_FILTER_MAX_BLOB_BYTES];
        size_t n = nx_profile_pack(&p, blob);
        FILE *f = fopen(argv[4], "wb");
        if (f == NULL || fwrite(blob, 1, n, f) != n || fclose(f) != 0) {
            fprintf(stderr, "nexus-sysfilter: cannot write %s: %s\n", argv[4], strerror(errno));
            return 1;
        }
        return 0;
    }
    if (strcmp(argv[1], "learn-export") == 0) {
        const char *in = NULL, *program = NULL, *out = NULL;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--program") == 0 && i + 1 < argc)
                program = argv[++i];
            else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
                out = argv[++i];
            else if (argv[i][0] != '-' && in == NULL)
                in = argv[i];
            else
                return usage();
        }
        return in != NULL ? nx_learn_export(in, program, out) : usage();
    }
    if (strcmp(argv[1], "explain") == 0 && argc >= 4) {
        int st = load(argv[2], &p);
        if (st != 0)
            return st;
        int32_t nr = nx_profile_syscall_number(argv[3], strlen(argv[3]));
        if (nr < 0) {
            fprintf(stderr, "nexus-sysfilter: %s is not a system call\n", argv[3]);
            return 1;
        }
        uint64_t a[6] = { 0 };
        bool hold = false;
        int na = 0;
        for (int i = 4; i < argc; i++) {
            if (strcmp(argv[i], "--handles-hold") == 0) {
                hold = true;
                continue;
            }
            char *end;
            errno = 0;
            unsigned long long v = strtoull(argv[i], &end, 0);
            if (na == 6 || errno != 0 || *end != '\0' || argv[i][0] == '-') {
                fprintf(stderr, "nexus-sysfilter: bad argument '%s' (at most six numbers)\n",
                        argv[i]);
                return 2;
            }
            a[na++] = v;
        }
        char why[128];
        (void)nx_profile_explain(&p, (uint32_t)nr, a, hold, why, sizeof why);
        printf("%s: %s\n", argv[3], why);
        return 0;
    }
    return usage();
}
