/* pbpf-plugin: the runtime side of bpf_conformance's plugin protocol
 * (README §2 of the conformance suite):
 *
 *     pbpf-plugin [<memory>] [<plugin options>...] < program
 *
 * <memory> is the test's input memory as hex bytes in one argument, given
 * only when the test has some; stdin holds the program as hex bytes.  The
 * final r0 goes to stdout in hex; a failure goes to stderr with a non-zero
 * exit.  A program of its own because the memory comes before the options,
 * which no pbpf command line accepts. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cfile.h"
#include "cli.h"

static void usage(void)
{
    printf("Usage: pbpf-plugin [MEMORY] [--engine interp|jit] [--mode checked|verified]\n\n"
           "Runs the program read from stdin (hex bytes, 8 per instruction) with r1 =\n"
           "MEMORY (hex bytes in one argument; none: r1 = r2 = 0) and r2 = its length,\n"
           "and prints the final r0 in hex: the plugin protocol of bpf_conformance's\n"
           "runner (bpf_conformance_runner --plugin_path pbpf-plugin).\n\n"
           "  --engine E  interp (default) or jit\n"
           "  --mode M    checked (default for interp) or verified (default for jit)\n");
}

int main(int argc, char **argv)
{
    cli_tool = "pbpf-plugin";
    const char *mem_hex = NULL, *v;
    enum pbpf_engine engine = PBPF_ENGINE_INTERP;
    enum pbpf_mode mode = PBPF_MODE_CHECKED;
    int mode_given = 0;
    int i = 1;
    if (argc > 1 && strncmp(argv[1], "--", 2) != 0 && strcmp(argv[1], "-h") != 0)
        mem_hex = argv[i++];
    for (; i < argc; i++) {
        int m;
        if (cli_is_help(argv[i])) {
            usage();
            return 0;
        }
        if ((m = cli_opt(argc, argv, &i, "--engine", &v))) {
            if (m < 0 || cli_parse_engine(v, &engine))
                return 1;
        } else if ((m = cli_opt(argc, argv, &i, "--mode", &v))) {
            if (m < 0 || cli_parse_mode(v, &mode))
                return 1;
            mode_given = 1;
        } else if (!strcmp(argv[i], "--elf")) {
            return cli_error("ELF programs are not supported; give the program as hex bytes");
        } else {
            return cli_bad_arg(argv[i]);
        }
    }
    if (engine == PBPF_ENGINE_JIT && !mode_given)
        mode = PBPF_MODE_VERIFIED;

    int status = 1, rc;
    char err[256] = "";
    char *text = NULL;
    size_t text_len, code_len = 0, mem_len = 0, cnt = 0;
    uint8_t *code = NULL, *mem = NULL;
    struct pbpf_insn *insns = NULL;
    struct pbpf_runtime *rt = NULL;
    struct pbpf_prog *prog = NULL;

    if (mem_hex) {
        rc = pbpf_hex_parse(mem_hex, &mem, &mem_len, err, sizeof err);
        if (rc) {
            cli_error("memory: %s", err[0] ? err : strerror(-rc));
            goto out;
        }
    }
    rc = cli_read_stream(stdin, &text, &text_len);
    if (rc) {
        cli_error("cannot read the program from stdin: %s", strerror(-rc));
        goto out;
    }
    rc = pbpf_hex_parse(text, &code, &code_len, err, sizeof err);
    if (rc) {
        cli_error("program: %s", err[0] ? err : strerror(-rc));
        goto out;
    }
    if (code_len == 0) {
        cli_error("program: no instructions on stdin");
        goto out;
    }
    if (cli_bytes_to_insns(code, code_len, &insns, &cnt)) {
        cli_error("program: %zu bytes is not a whole number of 8-byte instructions", code_len);
        goto out;
    }
    rc = pbpf_runtime_new(NULL, &rt);
    if (rc) {
        cli_error("cannot create a runtime: %s", strerror(-rc));
        goto out;
    }
    /* verified mode: accesses are proven against the memory given */
    PBPF_OPTS(pbpf_prog_opts, popts, .engine = engine, .mode = mode, .log_buf = err,
              .log_size = sizeof err, .mem_size = (uint32_t)mem_len);
    rc = pbpf_prog_load(rt, insns, cnt, &popts, &prog);
    if (rc) {
        cli_error("load: %s", err[0] ? err : strerror(-rc));
        goto out;
    }
    uint64_t r0;
    PBPF_OPTS(pbpf_run_opts, ropts, .err_buf = err, .err_size = sizeof err);
    rc = pbpf_prog_run(prog, mem_len ? mem : NULL, mem_len, &r0, &ropts);
    if (rc) {
        cli_error("run: %s", err[0] ? err : strerror(-rc));
        goto out;
    }
    printf("%" PRIx64 "\n", r0);
    status = fflush(stdout) == 0 ? 0 : cli_error("cannot write the result");
out:
    pbpf_prog_free(prog);
    pbpf_runtime_free(rt);
    free(insns);
    free(code);
    free(mem);
    free(text);
    return status;
}
