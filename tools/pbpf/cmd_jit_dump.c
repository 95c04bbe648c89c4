/* pbpf jit-dump: a program's x86-64 code next to its eBPF instructions.
 *
 * The program comes from an ELF object (loaded through pbpf/loader.h, so
 * CO-RE and map relocations are applied as for a run) or from any file
 * `pbpf run` reads.  Each eBPF instruction is printed in llvm-objdump's
 * syntax, followed by the native instructions the JIT made of it (from
 * pbpf_prog_jited_offsets).  Native code is disassembled with capstone when
 * the tool was built with it (PBPF_HAVE_CAPSTONE), else shown as hex. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pbpf/loader.h"

#ifdef PBPF_HAVE_CAPSTONE
#include <capstone/capstone.h>
#endif

static void jit_dump_usage(void)
{
    printf("Usage: pbpf jit-dump FILE [--prog NAME] [--mem-size N] [--untrusted] [--blind]\n"
           "                     [--retpoline] [--hex]\n\n"
           "Compiles the program(s) in FILE with the JIT and prints, under each eBPF\n"
           "instruction, the native instructions made of it, with their offsets in the\n"
           "code.  FILE is an ELF object (.bpf.o; every program, or the one --prog\n"
           "names) or raw bytecode, assembly text or a conformance file.  The verifier\n"
           "must accept the program first, as for every JIT load.\n\n"
           "  --prog NAME     only the program (function) NAME of an ELF object\n"
           "  --mem-size N    raw programs: the bytes of memory r1 points to (default:\n"
           "                  the conformance file's memory, else 0)\n"
           "  --untrusted     load as code from an untrusted source (blinds constants)\n"
           "  --blind         compile with constant blinding\n"
           "  --retpoline     compile indirect calls through a retpoline\n"
           "  --hex           native code as hex bytes even when a disassembler is built in\n"
           "\nDisassembler: %s\n",
#ifdef PBPF_HAVE_CAPSTONE
           "capstone"
#else
           "none (hex bytes)"
#endif
    );
}

struct dumper {
    int hex;
#ifdef PBPF_HAVE_CAPSTONE
    csh cs;
    int cs_open;
#endif
};

static void dump_hex(const uint8_t *code, size_t from, size_t to)
{
    for (size_t at = from; at < to; at += 16) {
        size_t end = at + 16 < to ? at + 16 : to;
        printf("        %04zx: ", at);
        for (size_t i = at; i < end; i++)
            printf(" %02x", code[i]);
        printf("\n");
    }
}

/* Native code [from, to): one line per instruction, or hex. */
static void dump_native(struct dumper *d, const uint8_t *code, size_t from, size_t to)
{
#ifdef PBPF_HAVE_CAPSTONE
    while (d->cs_open && !d->hex && from < to) {
        cs_insn *ci = NULL;
        size_t n = cs_disasm(d->cs, code + from, to - from, from, 1, &ci);
        if (n != 1)
            break; /* not decodable: the rest as hex */
        printf("        %04zx: ", from);
        char bytes[3 * 16 + 1] = "";
        for (size_t i = 0; i < ci->size && i < 15; i++)
            snprintf(bytes + 3 * i, sizeof bytes - 3 * i, " %02x", ci->bytes[i]);
        printf("%-33s %s%s%s\n", bytes, ci->mnemonic, ci->op_str[0] ? " " : "", ci->op_str);
        from += ci->size;
        cs_free(ci, 1);
    }
#else
    (void)d;
#endif
    if (from < to)
        dump_hex(code, from, to);
}

static int dump_prog(struct dumper *d, const char *name, const struct pbpf_prog *prog)
{
    const void *code;
    size_t size, cnt;
    const uint32_t *offs;
    if (pbpf_prog_jited(prog, &code, &size) || pbpf_prog_jited_offsets(prog, &offs, &cnt))
        return cli_error("%s: no native code", name);
    const struct pbpf_insn *insns = pbpf_prog_insns(prog);
    printf("%s: %zu instruction slots, %zu bytes of x86-64 code (%.1f per slot)\n", name, cnt,
           size, cnt ? (double)size / (double)cnt : 0.0);
    if (offs[0]) {
        printf("  ; entry\n");
        dump_native(d, code, 0, offs[0]);
    }
    for (size_t pc = 0; pc < cnt;) {
        char text[128];
        int n = pbpf_disasm_insn(insns, cnt, pc, PBPF_DISASM_LLVM, text, sizeof text);
        if (n <= 0) {
            snprintf(text, sizeof text, "(undecodable)");
            n = 1;
        }
        size_t next = pc + (size_t)n <= cnt ? pc + (size_t)n : cnt;
        printf("%5zu: %s\n", pc, text);
        dump_native(d, code, offs[pc], offs[next]);
        pc = next;
    }
    if (offs[cnt] < size) {
        printf("  ; failure paths and epilogue\n");
        dump_native(d, code, offs[cnt], size);
    }
    return 0;
}

static int is_elf(const char *data, size_t len)
{
    return len >= 4 && !memcmp(data, "\177ELF", 4);
}

static int dump_object(struct dumper *d, struct pbpf_runtime *rt, const char *path,
                       const char *data, size_t len, const char *only, unsigned flags,
                       int untrusted)
{
    char msg[512] = "";
    struct pbpf_object *obj = NULL;
    PBPF_OPTS(pbpf_object_opts, oo, .log_buf = msg, .log_size = sizeof msg);
    int rc = pbpf_object_open_mem(data, len, &oo, &obj);
    if (rc)
        return cli_error("%s: %s", path, msg[0] ? msg : strerror(-rc));
    int status = 1;
    size_t cnt = pbpf_object_prog_cnt(obj);
    if (only) {
        int idx = pbpf_object_find_prog(obj, only);
        if (idx < 0) {
            cli_error("%s: no program called '%s'", path, only);
            goto out;
        }
        for (size_t i = 0; i < cnt; i++)
            pbpf_object_set_autoload(obj, i, i == (size_t)idx);
    }
    /* the JIT takes only programs that are trusted to be safe: a dump
     * never runs them */
    PBPF_OPTS(pbpf_object_load_opts, lo, .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_VERIFIED,
              .jit_flags = flags, .untrusted = untrusted, .log_buf = msg,
              .log_size = sizeof msg);
    rc = pbpf_object_load(obj, rt, &lo);
    if (rc) {
        cli_error("%s: cannot load on the JIT: %s", path, msg[0] ? msg : strerror(-rc));
        goto out;
    }
    status = 0;
    int first = 1;
    for (size_t i = 0; i < cnt; i++) {
        const struct pbpf_prog *prog = pbpf_object_prog_handle(obj, i);
        if (!prog)
            continue;
        if (!first)
            printf("\n");
        first = 0;
        if (dump_prog(d, pbpf_object_prog(obj, i)->name, prog))
            status = 1;
    }
    if (first)
        status = cli_error("%s: no programs (functions in .text alone are not programs)", path);
out:
    pbpf_object_close(obj);
    return status;
}

static int dump_file(struct dumper *d, struct pbpf_runtime *rt, const char *path, unsigned flags,
                     int untrusted, long long mem_size)
{
    struct cli_input in;
    if (cli_input_load(path, &in))
        return 1;
    char msg[512] = "";
    struct pbpf_prog *prog = NULL;
    /* the verifier proves r1's accesses against the memory a run gets:
     * --mem-size, else the conformance file's `-- mem` */
    PBPF_OPTS(pbpf_prog_opts, po, .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_VERIFIED,
              .jit_flags = flags, .untrusted = untrusted, .log_buf = msg,
              .log_size = sizeof msg,
              .mem_size = (uint32_t)(mem_size >= 0 ? (size_t)mem_size : in.mem_len));
    int rc = pbpf_prog_load(rt, in.insns, in.cnt, &po, &prog);
    int status;
    if (rc)
        status = cli_error("%s: cannot load on the JIT: %s", path, msg[0] ? msg : strerror(-rc));
    else
        status = dump_prog(d, path, prog);
    pbpf_prog_free(prog);
    cli_input_free(&in);
    return status;
}

int cli_cmd_jit_dump(int argc, char **argv)
{
    const char *path = NULL, *only = NULL, *v;
    unsigned flags = 0;
    int untrusted = 0;
    long long mem_size = -1;
    struct dumper d = {0};
    for (int i = 1; i < argc; i++) {
        int m;
        if (cli_is_help(argv[i])) {
            jit_dump_usage();
            return 0;
        }
        if ((m = cli_opt(argc, argv, &i, "--prog", &v))) {
            if (m < 0)
                return 1;
            only = v;
        } else if ((m = cli_opt(argc, argv, &i, "--mem-size", &v))) {
            uint64_t n;
            if (m < 0)
                return 1;
            if (cli_parse_u64(v, &n) || n > UINT32_MAX)
                return cli_error("--mem-size: '%s' is not a size of at most 4 GiB", v);
            mem_size = (long long)n;
        } else if (!strcmp(argv[i], "--untrusted")) {
            untrusted = 1;
        } else if (!strcmp(argv[i], "--blind")) {
            flags |= PBPF_JIT_BLIND_CONSTANTS;
        } else if (!strcmp(argv[i], "--retpoline")) {
            flags |= PBPF_JIT_RETPOLINE;
        } else if (!strcmp(argv[i], "--hex")) {
            d.hex = 1;
        } else if (argv[i][0] == '-' || path) {
            return cli_bad_arg(argv[i]);
        } else {
            path = argv[i];
        }
    }
    if (!path)
        return cli_error("missing program file (see 'pbpf jit-dump --help')");
    char *data;
    size_t len;
    if (cli_read_file(path, &data, &len))
        return 1;
    int elf = is_elf(data, len);
    if (only && !elf) {
        free(data);
        return cli_error("--prog needs an ELF object; %s holds one program", path);
    }
    struct pbpf_runtime *rt = NULL;
    int rc = pbpf_runtime_new(NULL, &rt);
    if (rc) {
        free(data);
        return cli_error("cannot create a runtime: %s", strerror(-rc));
    }
#ifdef PBPF_HAVE_CAPSTONE
    d.cs_open = cs_open(CS_ARCH_X86, CS_MODE_64, &d.cs) == CS_ERR_OK;
#endif
    int status = elf ? dump_object(&d, rt, path, data, len, only, flags, untrusted)
                     : dump_file(&d, rt, path, flags, untrusted, mem_size);
#ifdef PBPF_HAVE_CAPSTONE
    if (d.cs_open)
        cs_close(&d.cs);
#endif
    pbpf_runtime_free(rt);
    free(data);
    if (!status && fflush(stdout) != 0)
        status = cli_error("cannot write the output");
    return status;
}
