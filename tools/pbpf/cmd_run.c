/* pbpf run: load a program on one engine, run it on input memory, print r0. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cfile.h"
#include "cli.h"
#include "objcli.h"
#include "platform/platform.h"

static void run_usage(void)
{
    printf("Usage: pbpf run FILE [--mem HEX] [--engine interp|jit] [--mode checked|verified]\n"
           "                     [--stats] [--repeat N] [--json]\n\n"
           "Runs the program in FILE (raw bytecode, assembly or a conformance .data file)\n"
           "with r1 = the input memory, r2 = its length and prints the final r0 as hex.\n\n"
           "  --mem HEX       input memory as hex bytes (\"01 02 ff\"); default: the file's\n"
           "                  `-- mem` section, else none (r1 = r2 = 0)\n"
           "  --engine E      interp (default) or jit\n"
           "  --mode M        checked: every memory access is checked and the instruction\n"
           "                  count is bounded (default for the interpreter);\n"
           "                  verified: no checks, for trusted code only (default for jit)\n"
           "  --stats         also print the instructions executed and the time per run\n"
           "  --repeat N      run N times (each run on a fresh copy of the memory)\n"
           "  --json          print {\"r0\", \"instructions\", \"ns_per_run\", \"runs\"}\n\n"
           "An ELF object (x.bpf.o) is run as BPF_PROG_TEST_RUN runs it, once on given\n"
           "bytes or over a capture file: see 'pbpf run OBJ --help'.\n");
}

/* The file argument: the first word that is not an option or its value. */
static const char *run_file_arg(int argc, char **argv)
{
    static const char *const with_value[] = {"--mem", "--engine", "--mode", "--repeat", "--prog",
                                             "--data-in", "--pcap", "--out", "--tx-out"};
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-')
            return argv[i];
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            if (!strcmp(argv[i], with_value[k]))
                i++;
    }
    return NULL;
}

struct run_args {
    enum pbpf_engine engine;
    enum pbpf_mode mode;
    int mode_given;
    uint64_t repeat;
};

static int check_engine(const char *v, void *arg)
{
    return cli_parse_engine(v, &((struct run_args *)arg)->engine) ? 1 : 0;
}

static int check_mode(const char *v, void *arg)
{
    struct run_args *a = arg;
    if (cli_parse_mode(v, &a->mode))
        return 1;
    a->mode_given = 1;
    return 0;
}

static int check_repeat(const char *v, void *arg)
{
    struct run_args *a = arg;
    if (cli_parse_u64(v, &a->repeat) || a->repeat == 0)
        return cli_error("--repeat needs a positive count, not '%s'", v);
    return 0;
}

int cli_cmd_run(int argc, char **argv)
{
    const char *path = NULL, *mem_hex = NULL, *v;
    int stats = 0, json = 0;
    const char *file = run_file_arg(argc, argv);
    if (file && cli_is_elf(file))
        return cli_run_object(argc, argv);
    struct run_args a = {PBPF_ENGINE_INTERP, PBPF_MODE_CHECKED, 0, 1};
    const struct cli_optspec opts[] = {
        {"--mem", NULL, &mem_hex, NULL, NULL},
        {"--engine", NULL, &v, check_engine, &a},
        {"--mode", NULL, &v, check_mode, &a},
        {"--repeat", NULL, &v, check_repeat, &a},
        {"--stats", &stats, NULL, NULL, NULL},
        {"--json", &json, NULL, NULL, NULL},
    };
    struct cli_slots pos = {{&path}, 1};
    int pr = cli_parse_args(argc, argv, opts, 6, cli_take_slot, &pos, run_usage);
    if (pr)
        return pr == 2 ? 0 : 1;
    enum pbpf_engine engine = a.engine;
    enum pbpf_mode mode = a.mode;
    int mode_given = a.mode_given;
    uint64_t repeat = a.repeat;
    if (!path)
        return cli_error("missing program file (see 'pbpf run --help')");
    /* The JIT runs verified code only; asking for it implies that mode. */
    if (engine == PBPF_ENGINE_JIT && !mode_given)
        mode = PBPF_MODE_VERIFIED;

    struct cli_input in;
    if (cli_input_load(path, &in))
        return 1;
    int status = 1;
    uint8_t *mem = in.mem, *hex_mem = NULL, *work = NULL;
    size_t mem_len = in.mem_len;
    struct pbpf_runtime *rt = NULL;
    struct pbpf_prog *prog = NULL;
    char err[256] = "";
    int rc;

    if (mem_hex) {
        rc = pbpf_hex_parse(mem_hex, &hex_mem, &mem_len, err, sizeof err);
        if (rc) {
            cli_error("--mem: %s", err[0] ? err : strerror(-rc));
            goto out;
        }
        mem = hex_mem;
    }
    work = malloc(mem_len ? mem_len : 1);
    rc = work ? pbpf_runtime_new(NULL, &rt) : -ENOMEM;
    if (rc) {
        cli_error("cannot create a runtime: %s", strerror(-rc));
        goto out;
    }
    /* verified mode: accesses are proven against the memory given */
    PBPF_OPTS(pbpf_prog_opts, popts, .engine = engine, .mode = mode, .log_buf = err,
              .log_size = sizeof err, .mem_size = (uint32_t)mem_len);
    rc = pbpf_prog_load(rt, in.insns, in.cnt, &popts, &prog);
    if (rc) {
        cli_error("%s: cannot load on %s/%s: %s", path, cli_engine_name(engine),
                  cli_mode_name(mode), err[0] ? err : strerror(-rc));
        goto out;
    }

    uint64_t r0 = 0, executed = 0;
    PBPF_OPTS(pbpf_run_opts, ropts, .err_buf = err, .err_size = sizeof err);
    uint64_t t0 = pbpf_time_mono_ns();
    for (uint64_t n = 0; n < repeat; n++) {
        if (mem_len)
            memcpy(work, mem, mem_len);
        rc = pbpf_prog_run(prog, mem_len ? work : NULL, mem_len, &r0, &ropts);
        if (rc)
            break;
    }
    uint64_t elapsed = pbpf_time_mono_ns() - t0;
    if (rc) {
        cli_error("%s", err[0] ? err : strerror(-rc));
        goto out;
    }
    executed = ropts.insns_executed;
    if (stats && mode == PBPF_MODE_VERIFIED) {
        /* Counting slows the fast path, so it gets a run of its own; the
         * JIT does not count, so its count comes from the interpreter,
         * which executes the same instructions. */
        struct pbpf_prog *counter = prog, *interp = NULL;
        if (engine != PBPF_ENGINE_INTERP) {
            PBPF_OPTS(pbpf_prog_opts, iopts, .engine = PBPF_ENGINE_INTERP, .mode = mode,
                      .log_buf = err, .log_size = sizeof err, .mem_size = (uint32_t)mem_len);
            rc = pbpf_prog_load(rt, in.insns, in.cnt, &iopts, &interp);
            if (rc) {
                cli_error("%s: cannot load on interp/%s to count: %s", path, cli_mode_name(mode),
                          err[0] ? err : strerror(-rc));
                goto out;
            }
            counter = interp;
        }
        PBPF_OPTS(pbpf_run_opts, copts, .count_insns = 1, .err_buf = err, .err_size = sizeof err);
        if (mem_len)
            memcpy(work, mem, mem_len);
        uint64_t again;
        rc = pbpf_prog_run(counter, mem_len ? work : NULL, mem_len, &again, &copts);
        pbpf_prog_free(interp);
        if (rc) {
            cli_error("%s", err[0] ? err : strerror(-rc));
            goto out;
        }
        executed = copts.insns_executed;
    }
    double ns = (double)elapsed / (double)repeat;
    if (json) {
        printf("{\"r0\": \"0x%" PRIx64 "\"", r0);
        if (stats)
            printf(", \"instructions\": %" PRIu64 ", \"ns_per_run\": %.1f, \"runs\": %" PRIu64,
                   executed, ns, repeat);
        printf("}\n");
    } else {
        printf("0x%" PRIx64 "\n", r0);
        if (stats) {
            printf("instructions: %" PRIu64 "\n", executed);
            printf("time: %.1f ns/run (%" PRIu64 " run%s, %s/%s)\n", ns, repeat,
                   repeat == 1 ? "" : "s", cli_engine_name(engine), cli_mode_name(mode));
        }
    }
    status = fflush(stdout) == 0 ? 0 : cli_error("cannot write the output");
out:
    pbpf_prog_free(prog);
    pbpf_runtime_free(rt);
    free(work);
    free(hex_mem);
    cli_input_free(&in);
    return status;
}
