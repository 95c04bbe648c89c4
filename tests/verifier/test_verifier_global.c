/* Global functions in pbpf_verify on hand-built programs and BTF: the same
 * program is verified without BTF (every subprogram walked at each call
 * with the caller's registers) and with BTF func info (a global function
 * walked once from its signature), and the func info is checked against
 * the subprogram layout.  The expected messages are Linux's
 * (kernel/bpf/verifier.c, kernel/bpf/btf.c); tests/verifier/cases.tsv has
 * the same rules on clang-built programs with the kernel's verdicts. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pbpf/object.h"
#include "pbpf/pbpf.h"
#include "pbpf/verifier.h"

static int fails, runs;

/* --- a BTF blob (Documentation/bpf/btf.rst): header, types, strings --- */

static uint8_t btf[1024];
static size_t btf_len;
static char strs[256];
static size_t strs_len;
static uint32_t types[256];
static size_t types_len; /* in words */
static uint32_t ntypes;

static uint32_t str(const char *s)
{
    if (!*s)
        return 0;
    uint32_t off = (uint32_t)strs_len;
    memcpy(strs + strs_len, s, strlen(s) + 1);
    strs_len += strlen(s) + 1;
    return off;
}

static uint32_t type(uint32_t name, unsigned kind, unsigned vlen, uint32_t size_type)
{
    types[types_len++] = name;
    types[types_len++] = (uint32_t)kind << 24 | vlen;
    types[types_len++] = size_type;
    return ++ntypes;
}

static void word(uint32_t w) { types[types_len++] = w; }

enum { K_INT = 1, K_PTR = 2, K_STRUCT = 4, K_FUNC = 12, K_PROTO = 13 };

static uint32_t t_int, t_proto_int, t_proto_void, t_proto_ctx, f_main, f_glob, f_stat, f_void,
    f_ctx, f_glob2;

static void build_btf(void)
{
    strs_len = 1; /* "" at 0 */
    strs[0] = 0;
    t_int = type(str("int"), K_INT, 0, 4);
    word(0x01000020); /* signed, 32 bits */
    t_proto_int = type(0, K_PROTO, 1, t_int); /* int (int x) */
    word(str("x"));
    word(t_int);
    t_proto_void = type(0, K_PROTO, 1, 0); /* void (int x) */
    word(str("y"));
    word(t_int);
    uint32_t t_skb = type(str("__sk_buff"), K_STRUCT, 1, 4);
    word(str("len"));
    word(t_int);
    word(0);
    uint32_t t_pskb = type(0, K_PTR, 0, t_skb);
    t_proto_ctx = type(0, K_PROTO, 1, t_int); /* int (struct __sk_buff *skb) */
    word(str("skb"));
    word(t_pskb);
    f_main = type(str("main"), K_FUNC, 1, t_proto_int);
    f_glob = type(str("glob"), K_FUNC, 1, t_proto_int);
    f_stat = type(str("stat"), K_FUNC, 0, t_proto_int);
    f_void = type(str("gvoid"), K_FUNC, 1, t_proto_void);
    f_ctx = type(str("gctx"), K_FUNC, 1, t_proto_ctx);
    f_glob2 = type(str("glob2"), K_FUNC, 1, t_proto_int);
    uint32_t hdr[6] = {0xeb9f | 1u << 16, 24, 0, (uint32_t)(types_len * 4),
                       (uint32_t)(types_len * 4), (uint32_t)strs_len};
    memcpy(btf, hdr, sizeof hdr);
    memcpy(btf + 24, types, types_len * 4);
    memcpy(btf + 24 + types_len * 4, strs, strs_len);
    btf_len = 24 + types_len * 4 + strs_len;
}

/* --- programs --- */

#define INSN(c, d, s, o, i) {(c), (uint8_t)((d) | (s) << 4), (o), (i)}
#define MOV_K(d, i) INSN(0xb7, d, 0, 0, i)
#define MOV_X(d, s) INSN(0xbf, d, s, 0, 0)
#define ADD_K(d, i) INSN(0x07, d, 0, 0, i)
#define ADD_X(d, s) INSN(0x0f, d, s, 0, 0)
#define CALL_SUB(off) INSN(0x85, 0, 1, 0, off)
#define CALL_HELPER(id) INSN(0x85, 0, 0, 0, id)
#define LDX_B(d, s, o) INSN(0x71, d, s, o, 0)
#define ST_DW(d, o, i) INSN(0x7a, d, 0, o, i)
#define JEQ_K(d, i, o) INSN(0x15, d, 0, o, i)
#define EXIT INSN(0x95, 0, 0, 0, 0)

/* main: sub(3); the subprogram reads byte x of an 8-byte stack buffer:
 * safe for 3, not for any int */
static const struct pbpf_insn prog_index[] = {
    MOV_K(1, 3), CALL_SUB(2), MOV_K(0, 0), EXIT,
    /* sub (insn 4) */
    ST_DW(10, -8, 0), MOV_X(2, 10), ADD_K(2, -8), ADD_X(2, 1), LDX_B(0, 2, 0), EXIT,
};

/* main: calls sub only on a branch proven dead */
static const struct pbpf_insn prog_dead[] = {
    MOV_K(1, 0), JEQ_K(1, 0, 1), CALL_SUB(2), MOV_K(0, 0), EXIT,
    /* sub (insn 5): dereferences its scalar argument */
    LDX_B(0, 1, 0), EXIT,
};

/* main: passes a stack pointer where the signature has an int */
static const struct pbpf_insn prog_ptr_arg[] = {
    MOV_X(1, 10), ADD_K(1, -8), CALL_SUB(2), MOV_K(0, 0), EXIT,
    MOV_K(0, 0), EXIT,
};

/* main: passes r1 (socket filter: the context) on, or the stack pointer */
static const struct pbpf_insn prog_ctx[] = {
    CALL_SUB(2), MOV_K(0, 0), EXIT,
    LDX_B(0, 1, 0), EXIT,
};
static const struct pbpf_insn prog_ctx_bad[] = {
    MOV_X(1, 10), CALL_SUB(2), MOV_K(0, 0), EXIT,
    LDX_B(0, 1, 0), EXIT,
};

/* main -> glob -> glob2; glob2 dereferences its argument */
static const struct pbpf_insn prog_nested[] = {
    MOV_K(1, 1), CALL_SUB(2), MOV_K(0, 0), EXIT,
    /* glob (insn 4) */
    CALL_SUB(1), EXIT,
    /* glob2 (insn 6) */
    LDX_B(0, 1, 0), EXIT,
};

/* main -> glob, which calls itself: a static walk would refuse it at
 * depth 9; a global one is walked once, so the call chain is checked */
static const struct pbpf_insn prog_recursive[] = {
    MOV_K(1, 1), CALL_SUB(2), MOV_K(0, 0), EXIT,
    /* glob (insn 4) */
    CALL_SUB(-1), EXIT,
};

struct fi_case {
    const char *name;
    const struct pbpf_insn *insns;
    size_t cnt;
    uint32_t prog_type;
    int with_btf;
    struct pbpf_object_func_info fi[3];
    size_t fi_cnt;
    int want_rc;
    const char *want; /* substring of the log; NULL: accepted */
};

static void run(const struct fi_case *c)
{
    char log[8192];
    runs++;
    PBPF_OPTS(pbpf_verifier_opts, o, .prog_type = c->prog_type, .mem_size = 64,
              .log_buf = log, .log_size = sizeof log, .log_level = 1);
    if (c->with_btf) {
        o.btf = btf;
        o.btf_size = btf_len;
        o.func_info = c->fi;
        o.func_info_cnt = c->fi_cnt;
    }
    int rc = pbpf_verify(c->insns, c->cnt, &o, NULL);
    if (rc != c->want_rc || (c->want && !strstr(log, c->want))) {
        printf("FAIL %s: rc %d (want %d, \"%s\"), log:\n%s\n", c->name, rc, c->want_rc,
               c->want ? c->want : "", log);
        fails++;
    }
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
    build_btf();
    const struct fi_case cases[] = {
        /* without func info: the subprogram sees the caller's 3 */
        {"static-like without BTF", prog_index, N(prog_index), 0, 0, {{0}}, 0, 0, NULL},
        {"static linkage", prog_index, N(prog_index), 0, 1,
         {{0, f_main}, {4, f_stat}}, 2, 0, NULL},
        /* global: verified for any int */
        {"global, independent", prog_index, N(prog_index), 0, 1,
         {{0, f_main}, {4, f_glob}}, 2, -EACCES,
         "math between fp pointer and register with unbounded min value is not allowed"},
        {"global, validating line", prog_index, N(prog_index), 0, 1,
         {{0, f_main}, {4, f_glob}}, 2, -EACCES, "Validating glob() func#1..."},
        {"global returning void", prog_index, N(prog_index), 0, 1,
         {{0, f_main}, {4, f_void}}, 2, -EINVAL,
         "Global function gvoid() doesn't return scalar. Only those are supported.\n"
         "Caller passes invalid args into func#1 ('gvoid')"},
        {"global not reached", prog_dead, N(prog_dead), 0, 1,
         {{0, f_main}, {5, f_glob}}, 2, 0, NULL},
        {"static reached only when dead", prog_dead, N(prog_dead), 0, 1,
         {{0, f_main}, {5, f_stat}}, 2, 0, NULL},
        {"pointer for a scalar", prog_ptr_arg, N(prog_ptr_arg), 0, 1,
         {{0, f_main}, {5, f_glob}}, 2, -EINVAL,
         "R1 is not a scalar\nCaller passes invalid args into func#1 ('glob')"},
        {"pointer for a scalar, static", prog_ptr_arg, N(prog_ptr_arg), 0, 0, {{0}}, 0, 0,
         NULL},
        {"ctx argument", prog_ctx, N(prog_ctx), 1 /* socket filter */, 1,
         {{0, f_main}, {3, f_ctx}}, 2, 0, NULL},
        {"ctx expected", prog_ctx_bad, N(prog_ctx_bad), 1, 1,
         {{0, f_main}, {4, f_ctx}}, 2, -EINVAL, "arg#0 expects pointer to ctx"},
        /* a global called by a global is walked too */
        {"nested globals", prog_nested, N(prog_nested), 0, 1,
         {{0, f_main}, {4, f_glob}, {6, f_glob2}}, 3, -EACCES,
         "R1 invalid mem access 'scalar'"},
        {"nested, inner static", prog_nested, N(prog_nested), 0, 1,
         {{0, f_main}, {4, f_glob}, {6, f_stat}}, 3, -EACCES,
         "R1 invalid mem access 'scalar'"},
        {"global recursion", prog_recursive, N(prog_recursive), 0, 1,
         {{0, f_main}, {4, f_glob}}, 2, -E2BIG, "the call stack of 8 frames is too deep !"},
        {"static recursion", prog_recursive, N(prog_recursive), 0, 0, {{0}}, 0, -E2BIG,
         "the call stack of 9 frames is too deep"},
        /* check_btf_func */
        {"func info count", prog_index, N(prog_index), 0, 1, {{0, f_main}}, 1, -EINVAL,
         "number of funcs in func_info doesn't match number of subprogs"},
        {"func info layout", prog_index, N(prog_index), 0, 1,
         {{0, f_main}, {5, f_glob}}, 2, -EINVAL,
         "func_info BTF section doesn't match subprog layout in BPF program"},
        {"func info first", prog_index, N(prog_index), 0, 1,
         {{1, f_main}, {4, f_glob}}, 2, -EINVAL,
         "nonzero insn_off 1 for the first func info record"},
        {"func info not a FUNC", prog_index, N(prog_index), 0, 1,
         {{0, f_main}, {4, t_int}}, 2, -EINVAL, "invalid type id"},
    };
    for (size_t i = 0; i < N(cases); i++)
        run(&cases[i]);

    /* a BTF blob cut short is refused, not read past its end */
    {
        char log[512];
        struct pbpf_object_func_info fi[2] = {{0, f_main}, {4, f_glob}};
        for (size_t cut = 0; cut < btf_len; cut += 7) {
            PBPF_OPTS(pbpf_verifier_opts, o, .log_buf = log, .log_size = sizeof log,
                      .mem_size = 64, .btf = btf, .btf_size = cut ? cut : 1,
                      .func_info = fi, .func_info_cnt = 2);
            runs++;
            int rc = pbpf_verify(prog_index, N(prog_index), &o, NULL);
            if (rc != -EINVAL || !strstr(log, "invalid BTF")) {
                printf("FAIL truncated BTF (%zu bytes): rc %d, log: %s\n", cut, rc, log);
                fails++;
            }
        }
    }
    printf("%d passed, %d failed\n", runs - fails, fails);
    return fails ? 1 : 0;
}
