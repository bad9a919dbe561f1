/*
 * boot.c - `nexus-sim boot`: boot the kernel with its selftests, the
 * machine described on the command line, and report how it ended.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nxsim/sim.h"
#include "tool.h"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: nexus-sim boot [options]\n"
            "\n"
            "Boot the Open Nexus kernel on the deterministic simulated machine and\n"
            "print its console. The same options and seed give the same run.\n"
            "\n"
            "options:\n"
            "  --harts N         harts in the machine, 1..%u (default 4)\n"
            "  --seed S          seed for the scheduler's choices (default 0)\n"
            "  --boot-hart H     hart id the kernel boots on (default 0)\n"
            "  --memory-mib M    RAM in MiB (default 128)\n"
            "  --bootargs TEXT   kernel command line (/chosen/bootargs)\n"
            "  --dtb FILE        describe the machine with this device tree instead\n"
            "  --fail-hart H     the firmware refuses to start hart H (repeatable)\n"
            "  --stall-hart H    hart H starts but never runs (repeatable)\n"
            "  --quiet           do not print the console, only the summary\n"
            "  -h, --help        show this help\n"
            "\n"
            "exit status: 0 all selftests passed, 1 a selftest failed, 2 usage error,\n"
            "             3 kernel panic, 4 the machine stopped without powering off\n"
            "             (deadlock or time limit), 5 the host failed (out of memory).\n",
            NX_SIM_MAX_HARTS);
}

static int takes_value(const char *opt)
{
    static const char *const with_value[] = {
        "--harts",    "--seed", "--boot-hart", "--memory-mib",
        "--bootargs", "--dtb",  "--fail-hart", "--stall-hart"
    };
    for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
        if (strcmp(opt, with_value[i]) == 0)
            return 1;
    return 0;
}

int nx_tool_boot(int argc, char **argv)
{

    nx_sim_config_t cfg;
    nx_sim_config_default(&cfg);
    cfg.echo = true;
    const char *dtb_path = NULL;

    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t v = 0;
        if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(opt, "--quiet") == 0) {
            cfg.echo = false;
            continue;
        } else if (!takes_value(opt)) {
            return nx_tool_usage_error("boot", "unknown option '%s'", opt);
        } else if (val == NULL) {
            return nx_tool_usage_error("boot", "option '%s' needs a value", opt);
        } else if (strcmp(opt, "--harts") == 0) {
            if (nx_tool_parse_u64(val, NX_SIM_MAX_HARTS, &v) != 0 || v == 0u)
                return nx_tool_usage_error("boot", "--harts wants 1..64, not '%s'", val);
            cfg.harts = (uint32_t)v;
        } else if (strcmp(opt, "--seed") == 0) {
            if (nx_tool_parse_u64(val, UINT64_MAX, &v) != 0)
                return nx_tool_usage_error("boot",
                                           "--seed wants an unsigned 64-bit number, not '%s'", val);
            cfg.seed = v;
        } else if (strcmp(opt, "--boot-hart") == 0) {
            if (nx_tool_parse_u64(val, NX_SIM_MAX_HARTS - 1u, &v) != 0)
                return nx_tool_usage_error("boot", "--boot-hart wants a hart id 0..63, not '%s'",
                                           val);
            cfg.boot_hartid = v;
        } else if (strcmp(opt, "--memory-mib") == 0) {
            if (nx_tool_parse_u64(val, 1u << 20, &v) != 0 || v == 0u)
                return nx_tool_usage_error("boot", "--memory-mib wants 1..1048576, not '%s'", val);
            cfg.memory_bytes = v << 20;
        } else if (strcmp(opt, "--bootargs") == 0) {
            cfg.bootargs = val;
        } else if (strcmp(opt, "--dtb") == 0) {
            dtb_path = val;
        } else if (strcmp(opt, "--fail-hart") == 0 || strcmp(opt, "--stall-hart") == 0) {
            if (nx_tool_parse_u64(val, NX_SIM_MAX_HARTS - 1u, &v) != 0)
                return nx_tool_usage_error("boot", "hart ids are 0..63, not '%s'", val);
            if (opt[2] == 'f')
                cfg.fail_start_mask |= 1ull << v;
            else
                cfg.stall_mask |= 1ull << v;
        } else {
            return nx_tool_usage_error("boot", "unknown option '%s'", opt);
        }
        i++; /* consumed the value */
    }

    void *dtb = NULL;
    if (dtb_path != NULL) {
        dtb = nx_tool_read_file(dtb_path, 1u << 20, &cfg.dtb_size);
        if (dtb == NULL) {
            fprintf(stderr,
                    "nexus-sim: cannot read device tree '%s' (missing, unreadable or "
                    "over 1 MiB)\n",
                    dtb_path);
            return NX_TOOL_USAGE;
        }
        cfg.dtb = dtb;
    }

    nx_sim_result_t *r = malloc(sizeof *r);
    if (r == NULL)
        return NX_TOOL_HOST;
    nx_status_t st = nx_sim_run(&cfg, r);
    free(dtb);
    if (st != NX_OK) {
        free(r);
        return st == NX_ERR_INVALID_ARGS ? NX_TOOL_USAGE : NX_TOOL_HOST;
    }
    int code = r->stop == NX_SIM_STOP_SHUTDOWN ? (int)r->exit_code : NX_TOOL_SIM_STOPPED;
    fprintf(stderr,
            "nexus-sim: machine stopped (%s) at %llu ns virtual time after %llu hart switches; "
            "exit %d; digest %016llx\n",
            nx_sim_stop_name(r->stop), (unsigned long long)r->end_time_ns,
            (unsigned long long)r->switches, code, (unsigned long long)r->digest);
    free(r);
    return code;
}
