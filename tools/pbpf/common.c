/* Helpers shared by the commands of the pbpf tool and by pbpf-plugin. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cfile.h"
#include "cli.h"

const char *cli_tool = "pbpf";
const char *cli_cmd;

int cli_error(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One line, whatever the message quotes from the input. */
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    if (cli_cmd)
        fprintf(stderr, "%s: %s: %s\n", cli_tool, cli_cmd, msg);
    else
        fprintf(stderr, "%s: %s\n", cli_tool, msg);
    return 1;
}

int cli_read_stream(FILE *f, char **data, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    for (;;) {
        if (cap - n < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return -ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return -EIO;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

int cli_read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -(errno ? errno : ENOENT);
    int rc = cli_read_stream(f, data, len);
    fclose(f);
    return rc;
}

int cli_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -(errno ? errno : EACCES);
    size_t put = fwrite(data, 1, len, f);
    int rc = fclose(f);
    return put == len && rc == 0 ? 0 : -EIO;
}

int cli_bytes_to_insns(const uint8_t *b, size_t len, struct pbpf_insn **out, size_t *cnt)
{
    if (len % 8)
        return -EINVAL;
    size_t n = len / 8;
    struct pbpf_insn *insns = malloc(n ? n * sizeof *insns : 1);
    if (!insns)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++, b += 8) {
        insns[i].code = b[0];
        insns[i].regs = b[1];
        insns[i].off = (int16_t)(uint16_t)(b[2] | (unsigned)b[3] << 8);
        insns[i].imm = (int32_t)((uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 |
                                 (uint32_t)b[7] << 24);
    }
    *out = insns;
    *cnt = n;
    return 0;
}

void cli_insn_to_bytes(const struct pbpf_insn *in, uint8_t out[8])
{
    uint16_t off = (uint16_t)in->off;
    uint32_t imm = (uint32_t)in->imm;
    out[0] = in->code;
    out[1] = in->regs;
    out[2] = (uint8_t)off;
    out[3] = (uint8_t)(off >> 8);
    for (int i = 0; i < 4; i++)
        out[4 + i] = (uint8_t)(imm >> (8 * i));
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Whether some line starts (after blanks) with "--": a section header of
 * the conformance format; assembly has no such lines. */
static int has_section_line(const char *text)
{
    for (const char *p = text; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (p[0] == '-' && p[1] == '-')
            return 1;
        p = strchr(p, '\n');
        if (!p)
            break;
        p++;
    }
    return 0;
}

static int copy_insns(struct cli_input *in, const struct pbpf_insn *insns, size_t cnt)
{
    in->insns = malloc(cnt ? cnt * sizeof *insns : 1);
    if (!in->insns)
        return -ENOMEM;
    if (cnt)
        memcpy(in->insns, insns, cnt * sizeof *insns);
    in->cnt = cnt;
    return 0;
}

int cli_input_load(const char *path, struct cli_input *in)
{
    char err[256] = "";
    char *data;
    size_t len;
    memset(in, 0, sizeof *in);
    int rc = cli_read_file(path, &data, &len);
    if (rc)
        return cli_error("cannot read '%s': %s", path, strerror(-rc));
    if (len == 0) {
        free(data);
        return cli_error("%s: empty file", path);
    }
    if (memchr(data, 0, len)) {
        in->kind = CLI_INPUT_RAW;
        rc = cli_bytes_to_insns((const uint8_t *)data, len, &in->insns, &in->cnt);
        free(data);
        if (rc == -EINVAL)
            return cli_error("%s: raw bytecode of %zu bytes is not a whole number of 8-byte "
                             "instructions",
                             path, len);
        return rc ? cli_error("%s: %s", path, strerror(-rc)) : 0;
    }
    if (ends_with(path, ".data") || has_section_line(data)) {
        struct pbpf_cfile cf;
        in->kind = CLI_INPUT_DATA;
        rc = pbpf_cfile_parse(data, len, &cf, err, sizeof err);
        free(data);
        if (rc)
            return cli_error("%s: %s", path, err[0] ? err : strerror(-rc));
        rc = copy_insns(in, cf.insns, cf.insn_cnt);
        if (!rc && cf.mem) {
            in->mem = malloc(cf.mem_len ? cf.mem_len : 1);
            if (in->mem) {
                memcpy(in->mem, cf.mem, cf.mem_len);
                in->mem_len = cf.mem_len;
            } else {
                rc = -ENOMEM;
            }
        }
        in->has_result = cf.has_result;
        in->result = cf.result;
        pbpf_cfile_free(&cf);
        if (rc) {
            cli_input_free(in);
            return cli_error("%s: %s", path, strerror(-rc));
        }
        return 0;
    }
    struct pbpf_insn *insns = NULL;
    size_t cnt = 0;
    in->kind = CLI_INPUT_ASM;
    rc = pbpf_asm(data, &insns, &cnt, err, sizeof err);
    free(data);
    if (rc)
        return cli_error("%s: %s", path, err[0] ? err : strerror(-rc));
    rc = copy_insns(in, insns, cnt);
    pbpf_free_insns(insns);
    return rc ? cli_error("%s: %s", path, strerror(-rc)) : 0;
}

void cli_input_free(struct cli_input *in)
{
    free(in->insns);
    free(in->mem);
    memset(in, 0, sizeof *in);
}

int cli_is_help(const char *arg) { return !strcmp(arg, "--help") || !strcmp(arg, "-h"); }

int cli_opt(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        cli_error("option %s needs a value", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

int cli_parse_u64(const char *s, uint64_t *v)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return -EINVAL;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || *end)
        return -EINVAL;
    *v = x;
    return 0;
}

int cli_parse_engine(const char *s, enum pbpf_engine *e)
{
    if (!strcmp(s, "interp"))
        *e = PBPF_ENGINE_INTERP;
    else if (!strcmp(s, "jit"))
        *e = PBPF_ENGINE_JIT;
    else
        return cli_error("unknown engine '%s' (expected interp or jit)", s);
    return 0;
}

int cli_parse_mode(const char *s, enum pbpf_mode *m)
{
    if (!strcmp(s, "checked"))
        *m = PBPF_MODE_CHECKED;
    else if (!strcmp(s, "verified"))
        *m = PBPF_MODE_VERIFIED;
    else
        return cli_error("unknown mode '%s' (expected checked or verified)", s);
    return 0;
}

const char *cli_engine_name(enum pbpf_engine e) { return e == PBPF_ENGINE_JIT ? "jit" : "interp"; }
const char *cli_mode_name(enum pbpf_mode m)
{
    return m == PBPF_MODE_VERIFIED ? "verified" : "checked";
}

int cli_parse_args(int argc, char **argv, const struct cli_optspec *opts, size_t nopts,
                   int (*positional)(void *ctx, const char *word), void *ctx,
                   void (*usage)(void))
{
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            usage();
            return 2;
        }
        size_t k = 0;
        int m = 0;
        const char *v = NULL;
        for (; k < nopts; k++) {
            if (opts[k].value ? (m = cli_opt(argc, argv, &i, opts[k].name, &v)) != 0
                              : !strcmp(argv[i], opts[k].name))
                break;
        }
        if (k < nopts) {
            if (!opts[k].value) {
                *opts[k].flag = 1;
                continue;
            }
            if (m < 0)
                return 1;
            *opts[k].value = v;
            if (opts[k].check && opts[k].check(v, opts[k].arg))
                return 1;
        } else if (argv[i][0] == '-' || positional(ctx, argv[i])) {
            return cli_bad_arg(argv[i]);
        }
    }
    return 0;
}

int cli_take_slot(void *ctx, const char *word)
{
    struct cli_slots *s = ctx;
    for (size_t k = 0; k < s->n; k++)
        if (!*s->slot[k]) {
            *s->slot[k] = word;
            return 0;
        }
    return 1;
}

int cli_read_file_or_fail(const char *path, char **data, size_t *len)
{
    int rc = cli_read_file(path, data, len);
    if (rc)
        return cli_error("cannot read '%s': %s", path, strerror(-rc));
    return 0;
}

int cli_data_is_elf(const void *data, size_t len)
{
    return len >= 4 && !memcmp(data, "\177ELF", 4);
}

int cli_bad_arg(const char *arg)
{
    const char *what = arg[0] == '-' && arg[1] ? "unknown option" : "unexpected argument";
    if (cli_cmd)
        return cli_error("%s '%s' (see '%s %s --help')", what, arg, cli_tool, cli_cmd);
    return cli_error("%s '%s' (see '%s --help')", what, arg, cli_tool);
}

void cli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}
