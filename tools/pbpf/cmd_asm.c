/* pbpf asm / pbpf disasm: between text and raw bytecode. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void asm_usage(void)
{
    printf("Usage: pbpf asm FILE [-o OUT]\n\n"
           "Assembles FILE (assembly text, or the program of a conformance .data file)\n"
           "into raw bytecode: 8 bytes per instruction slot, little-endian.\n\n"
           "  -o, --output OUT  output file (default: FILE with its extension replaced by\n"
           "                    .bin)\n");
}

/* FILE.s -> FILE.bin; directories in the path keep their dots. */
static char *default_output(const char *in)
{
    size_t n = strlen(in);
    char *out = malloc(n + 5);
    if (!out)
        return NULL;
    memcpy(out, in, n + 1);
    char *dot = strrchr(out, '.');
    char *sep = strrchr(out, '/');
    char *bsep = strrchr(out, '\\');
    if (bsep > sep)
        sep = bsep;
    if (dot && (!sep || dot > sep + 1))
        *dot = '\0';
    strcat(out, ".bin");
    return out;
}

int cli_cmd_asm(int argc, char **argv)
{
    const char *in_path = NULL, *out_path = NULL, *v;
    for (int i = 1; i < argc; i++) {
        int m;
        if (cli_is_help(argv[i])) {
            asm_usage();
            return 0;
        }
        if ((m = cli_opt(argc, argv, &i, "-o", &v)) || (m = cli_opt(argc, argv, &i, "--output", &v))) {
            if (m < 0)
                return 1;
            out_path = v;
        } else if (argv[i][0] == '-' || in_path) {
            return cli_bad_arg(argv[i]);
        } else {
            in_path = argv[i];
        }
    }
    if (!in_path)
        return cli_error("missing input file (see 'pbpf asm --help')");

    struct cli_input in;
    if (cli_input_load(in_path, &in))
        return 1;
    char *def = NULL;
    if (!out_path) {
        out_path = def = default_output(in_path);
        if (!def) {
            cli_input_free(&in);
            return cli_error("out of memory");
        }
        if (!strcmp(def, in_path)) {
            free(def);
            cli_input_free(&in);
            return cli_error("%s: would overwrite the input; give -o OUT", in_path);
        }
    }
    uint8_t *bytes = malloc(in.cnt * 8 + 1);
    int rc = 1;
    if (!bytes) {
        cli_error("out of memory");
    } else {
        for (size_t i = 0; i < in.cnt; i++)
            cli_insn_to_bytes(&in.insns[i], bytes + 8 * i);
        int wr = cli_write_file(out_path, bytes, in.cnt * 8);
        if (wr)
            cli_error("cannot write '%s': %s", out_path, strerror(-wr));
        else
            rc = 0;
    }
    free(bytes);
    free(def);
    cli_input_free(&in);
    return rc;
}

static void disasm_usage(void)
{
    printf("Usage: pbpf disasm FILE [--style llvm|conformance] [--json]\n\n"
           "Disassembles FILE: raw bytecode, assembly text or a conformance .data file.\n\n"
           "  --style llvm         llvm-objdump syntax, one numbered instruction per line\n"
           "                       (default)\n"
           "  --style conformance  conformance-file syntax, unnumbered: the output is\n"
           "                       assembly that 'pbpf asm' reads back\n"
           "  --json               a JSON array of {pc, bytes, text}\n");
}

int cli_cmd_disasm(int argc, char **argv)
{
    const char *in_path = NULL, *v;
    enum pbpf_disasm_style style = PBPF_DISASM_LLVM;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        int m;
        if (cli_is_help(argv[i])) {
            disasm_usage();
            return 0;
        }
        if ((m = cli_opt(argc, argv, &i, "--style", &v))) {
            if (m < 0)
                return 1;
            if (!strcmp(v, "llvm"))
                style = PBPF_DISASM_LLVM;
            else if (!strcmp(v, "conformance"))
                style = PBPF_DISASM_CONFORMANCE;
            else
                return cli_error("unknown style '%s' (expected llvm or conformance)", v);
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (argv[i][0] == '-' || in_path) {
            return cli_bad_arg(argv[i]);
        } else {
            in_path = argv[i];
        }
    }
    if (!in_path)
        return cli_error("missing input file (see 'pbpf disasm --help')");

    struct cli_input in;
    if (cli_input_load(in_path, &in))
        return 1;
    if (json)
        printf("[");
    for (size_t pc = 0; pc < in.cnt;) {
        char text[256];
        int n = pbpf_disasm_insn(in.insns, in.cnt, pc, style, text, sizeof text);
        if (n <= 0) {
            /* Not an instruction: show it as data and go on, as objdump does. */
            snprintf(text, sizeof text, "<invalid: opcode 0x%02x>", in.insns[pc].code);
            n = 1;
        }
        if ((size_t)n > in.cnt - pc)
            n = (int)(in.cnt - pc);
        if (json) {
            char hex[2 * 8 * 3 + 1];
            size_t h = 0;
            for (int s = 0; s < n; s++) {
                uint8_t b[8];
                cli_insn_to_bytes(&in.insns[pc + (size_t)s], b);
                for (int k = 0; k < 8; k++)
                    h += (size_t)snprintf(hex + h, sizeof hex - h, "%s%02x", h ? " " : "", b[k]);
            }
            printf("%s\n  {\"pc\": %zu, \"bytes\": \"%s\", \"text\": ", pc ? "," : "", pc, hex);
            cli_json_string(stdout, text);
            printf("}");
        } else if (style == PBPF_DISASM_CONFORMANCE) {
            printf("%s\n", text);
        } else {
            printf("%5zu: %s\n", pc, text);
        }
        pc += (size_t)n;
    }
    if (json)
        printf("\n]\n");
    cli_input_free(&in);
    if (fflush(stdout) != 0)
        return cli_error("cannot write the output");
    return 0;
}
