/* Assembler and disassembler: every table row and every conformance vector
 * round-trips text → bytes → text → bytes, in both syntaxes; the assembled
 * vectors equal their `-- raw` bytes; errors name the line; arbitrary bytes
 * never crash the disassembler. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfile.h"
#include "isa/isa.h"

static int failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

/* Disassembles a whole program in one style, one instruction per line. */
static char *disasm_all(const struct pbpf_insn *insns, size_t cnt, enum pbpf_disasm_style style)
{
    size_t cap = cnt * 96 + 1, len = 0;
    char *text = malloc(cap);
    text[0] = '\0';
    for (size_t pc = 0; pc < cnt;) {
        char line[96];
        int n = pbpf_disasm_insn(insns, cnt, pc, style, line, sizeof line);
        if (n <= 0) {
            free(text);
            return NULL;
        }
        len += (size_t)snprintf(text + len, cap - len, "%s\n", line);
        pc += (size_t)n;
    }
    return text;
}

static int same(const struct pbpf_insn *a, size_t na, const struct pbpf_insn *b, size_t nb)
{
    return na == nb && !memcmp(a, b, na * sizeof *a);
}

static void roundtrip(const char *what, const struct pbpf_insn *insns, size_t cnt)
{
    static const enum pbpf_disasm_style styles[] = {PBPF_DISASM_LLVM, PBPF_DISASM_CONFORMANCE};
    for (int k = 0; k < 2; k++) {
        char *text = disasm_all(insns, cnt, styles[k]);
        CHECK(text, "%s: style %d: disassembly failed", what, k);
        if (!text)
            continue;
        struct pbpf_insn *back;
        size_t nback;
        char err[200];
        int rc = pbpf_asm(text, &back, &nback, err, sizeof err);
        CHECK(rc == 0, "%s: style %d: reassembly failed: %s\n%s", what, k, err, text);
        if (rc == 0) {
            CHECK(same(insns, cnt, back, nback), "%s: style %d: round trip differs\n%s", what, k,
                  text);
            pbpf_free_insns(back);
        }
        free(text);
    }
}

/* Every row, with register and field values its rules allow. */
static void test_rows(void)
{
    for (size_t i = 0; i < PBPF_XOP_COUNT; i++) {
        const struct pbpf_opinfo *op = &pbpf_isa_table[i];
        if (op->fmt == PBPF_FMT_LDDW && op->src.kind == PBPF_RULE_EQ)
            continue; /* pseudo forms: llvm style only, tested below */
        if (op->fmt == PBPF_FMT_CALL_KFUNC)
            continue;
        for (int variant = 0; variant < 3; variant++) {
            struct pbpf_insn prog[4] = {{0}};
            struct pbpf_insn *in = &prog[0];
            in->code = op->code;
            uint8_t dst = op->dst.kind == PBPF_RULE_ZERO ? 0 : (uint8_t)(variant * 4 + 1);
            uint8_t src = op->src.kind == PBPF_RULE_EQ     ? (uint8_t)op->src.value
                          : op->src.kind == PBPF_RULE_ZERO ? 0
                                                           : (uint8_t)(9 - variant * 3);
            if (op->fmt == PBPF_FMT_ATOMIC && op->imm.value == PBPF_ATOMIC_CMPXCHG)
                src = 2;
            in->regs = PBPF_INSN_REGS(dst, src);
            in->off = op->off.kind == PBPF_RULE_EQ   ? (int16_t)op->off.value
                      : op->off.kind == PBPF_RULE_ANY ? (int16_t)(variant == 1 ? -8 : variant)
                                                      : 0;
            in->imm = op->imm.kind == PBPF_RULE_EQ    ? op->imm.value
                      : op->imm.kind == PBPF_RULE_ANY ? (variant == 2 ? -7 : variant * 1000)
                                                      : 0;
            if (op->fmt == PBPF_FMT_JA || op->fmt == PBPF_FMT_JCOND_K ||
                op->fmt == PBPF_FMT_JCOND_X)
                in->off = (int16_t)(variant - 1);
            if (op->fmt == PBPF_FMT_JA32 || op->fmt == PBPF_FMT_CALL_LOCAL)
                in->imm = variant - 1;
            size_t cnt = 1;
            if (op->fmt == PBPF_FMT_LDDW) {
                prog[1].imm = variant == 2 ? -1 : 0x1234;
                cnt = 2;
            }
            prog[cnt++] = (struct pbpf_insn){PBPF_OPCODE_EXIT, 0, 0, 0};
            prog[cnt++] = (struct pbpf_insn){PBPF_OPCODE_EXIT, 0, 0, 0};
            char what[64];
            snprintf(what, sizeof what, "row %s variant %d", op->name, variant);
            roundtrip(what, prog, cnt);
        }
    }
    /* lddw pseudo forms round-trip in the llvm syntax */
    for (int src = 1; src <= 6; src++) {
        struct pbpf_insn prog[3] = {{PBPF_OPCODE_LDDW, PBPF_INSN_REGS(1, src), 0, 5},
                                    {0, 0, 0, (src == 2 || src == 6) ? 16 : 0},
                                    {PBPF_OPCODE_EXIT, 0, 0, 0}};
        char *text = disasm_all(prog, 3, PBPF_DISASM_LLVM);
        struct pbpf_insn *back;
        size_t n;
        char err[200];
        CHECK(text && pbpf_asm(text, &back, &n, err, sizeof err) == 0 && same(prog, 3, back, n),
              "lddw src=%d round trip: %s", src, text ? text : "(null)");
        if (text && n)
            pbpf_free_insns(back);
        free(text);
    }
}

static void test_vectors(const char *dir)
{
    DIR *d = opendir(dir);
    CHECK(d, "cannot open %s", dir);
    if (!d)
        return;
    struct dirent *e;
    int files = 0, with_raw = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".data"))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct pbpf_cfile f;
        char err[256];
        int rc = pbpf_cfile_load(path, &f, err, sizeof err);
        CHECK(rc == 0, "%s: %s", e->d_name, err);
        if (rc)
            continue;
        files++;
        if (f.asm_text) {
            /* the raw bytes, where given, are what the assembly means */
            struct pbpf_insn *a;
            size_t n;
            rc = pbpf_asm(f.asm_text, &a, &n, err, sizeof err);
            CHECK(rc == 0, "%s: %s", e->d_name, err);
            if (rc == 0) {
                CHECK(same(a, n, f.insns, f.insn_cnt), "%s: assembly differs from -- raw",
                      e->d_name);
                with_raw += f.insns != NULL;
                pbpf_free_insns(a);
            }
        }
        roundtrip(e->d_name, f.insns, f.insn_cnt);
        pbpf_cfile_free(&f);
    }
    closedir(d);
    CHECK(files == 313, "expected 313 vectors, read %d", files);
    printf("vectors: %d round-tripped\n", files);
}

static void expect_error(const char *text, const char *needle)
{
    struct pbpf_insn *out;
    size_t n;
    char err[200] = "";
    int rc = pbpf_asm(text, &out, &n, err, sizeof err);
    CHECK(rc < 0 && strstr(err, needle), "asm(%s): rc %d, message '%s', wanted '%s'", text, rc,
          err, needle);
    if (rc == 0)
        pbpf_free_insns(out);
}

static void test_errors(void)
{
    expect_error("mov %r0, 1\nfoo %r1, 2\nexit\n", "line 2: unknown mnemonic 'foo'");
    expect_error("mov %r11, 1\nexit\n", "line 1: invalid register");
    expect_error("mov32 %r0, 0x100000000\nexit\n", "invalid 32-bit immediate");
    expect_error("ja nowhere\nexit\n", "line 1: unknown label 'nowhere'");
    expect_error("ldxw %r0, [%r1+70000]\nexit\n", "invalid offset");
    expect_error("ldxw %r0, %r1\nexit\n", "expected a memory operand");
    expect_error("add %r0\nexit\n", "takes 2 operands");
    expect_error("a:\na:\nexit\n", "defined twice");
    expect_error("", "no instructions");
    expect_error("r0 = *(u24 *)(r1 + 0x0)\nexit\n", "invalid access size");
    expect_error("if r1 ~ 0x1 goto +1\nexit\n", "expected a comparison");
    expect_error("r1 = 0x1 ll junk\nexit\n", "unexpected 'junk'");
}

/* Arbitrary slots: the disassembler always writes something and never
 * reads past the end (ASan checks the latter). */
static void test_random_bytes(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        struct pbpf_insn in[1];
        memcpy(in, &x, sizeof in);
        char buf[96];
        int n = pbpf_disasm_insn(in, 1, 0, (enum pbpf_disasm_style)(i & 1), buf, sizeof buf);
        CHECK(n == 1 || n < 0, "random insn: returned %d", n);
        CHECK(buf[0] != '\0', "random insn: empty text");
        if (n == 1) {
            /* what disassembles must assemble back to the same slot */
            struct pbpf_insn *back;
            size_t nb;
            char err[200];
            int rc = pbpf_asm(buf, &back, &nb, err, sizeof err);
            CHECK(rc == 0 && nb == 1 && !memcmp(back, in, sizeof in),
                  "random insn %016llx: '%s' does not round-trip (%s)", (unsigned long long)x, buf,
                  rc ? err : "bytes differ");
            if (rc == 0)
                pbpf_free_insns(back);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_asm CONFORMANCE_DIR\n");
        return 2;
    }
    test_rows();
    test_vectors(argv[1]);
    test_errors();
    test_random_bytes();
    printf("%d failures\n", failures);
    return failures ? 1 : 0;
}
