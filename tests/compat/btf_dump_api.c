/* btf_dump_api FILE: writes FILE's BTF as a C header through libbpf's
 * btf_dump API the way bpftool does (btf__parse, btf_dump__new, then
 * btf_dump__dump_type for every id), after checking the API's error
 * conventions and btf_dump__emit_type_decl.  Built against pbpf's
 * include/compat; tests/compat/btf_dump_c.sh compiles the header and
 * checks it against the BTF. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

static void out(void *ctx, const char *fmt, va_list ap)
{
    vfprintf(ctx, fmt, ap);
}

static int failed;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);                           \
            failed = 1;                                                                            \
        }                                                                                          \
    } while (0)

/* emit_type_decl of the first type named name, into buf */
static void decl_of(const struct btf *btf, const char *name, int kind, const char *field,
                    int strip, char *buf, size_t size)
{
    FILE *f = fmemopen(buf, size, "w");
    struct btf_dump *d = btf_dump__new(btf, out, f, NULL);
    LIBBPF_OPTS(btf_dump_emit_type_decl_opts, o, .field_name = field, .strip_mods = strip);
    int id = btf__find_by_name_kind(btf, name, kind);
    CHECK(id > 0);
    CHECK(btf_dump__emit_type_decl(d, (unsigned)id, &o) == 0);
    btf_dump__free(d);
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: btf_dump_api FILE\n");
        return 2;
    }
    struct btf *btf = btf__parse(argv[1], NULL);
    if (!btf) {
        fprintf(stderr, "%s: btf__parse: %s\n", argv[1], strerror(errno));
        return 1;
    }
    /* errors: libbpf's NULL/negative errno with errno set */
    errno = 0;
    CHECK(btf_dump__new(NULL, out, stdout, NULL) == NULL && errno == EINVAL);
    struct btf_dump *d = btf_dump__new(btf, out, stdout, NULL);
    CHECK(d != NULL);
    if (!d)
        return 1;
    errno = 0;
    CHECK(btf_dump__dump_type(d, btf__type_cnt(btf)) == -EINVAL && errno == EINVAL);
    /* declarations of the hard cases of btf_cdump.bpf.c, as C says them */
    if (btf__find_by_name_kind(btf, "funcs", BTF_KIND_STRUCT) > 0) {
        char buf[512];
        decl_of(btf, "cmp_fn", BTF_KIND_TYPEDEF, "x", 0, buf, sizeof buf);
        CHECK(!strcmp(buf, "cmp_fn x"));
        int st = btf__find_by_name_kind(btf, "funcs", BTF_KIND_STRUCT);
        const struct btf_type *t = btf__type_by_id(btf, (unsigned)st);
        const struct btf_member *m = btf_members(t);
        const char *want[] = {"cmp_fn cmp", "handler_t h", "int (*arr_fn[4])(int)",
                              "int (*(*fp_ret_fp)(void))(char)", "int (*parr)[5]",
                              "const char * const names[2]", "volatile int * volatile vp",
                              "void (*varargs)(const char *, ...)"};
        for (unsigned i = 0; i < btf_vlen(t) && i < sizeof want / sizeof *want; i++) {
            FILE *f = fmemopen(buf, sizeof buf, "w");
            struct btf_dump *d2 = btf_dump__new(btf, out, f, NULL);
            LIBBPF_OPTS(btf_dump_emit_type_decl_opts, o,
                        .field_name = btf__name_by_offset(btf, m[i].name_off));
            CHECK(btf_dump__emit_type_decl(d2, m[i].type, &o) == 0);
            btf_dump__free(d2);
            fclose(f);
            /* spaces around '*' are style: compare without them */
            char a[512], b[512];
            size_t na = 0, nb = 0;
            for (const char *p = buf; *p && na < sizeof a - 1; p++)
                if (*p != ' ')
                    a[na++] = *p;
            for (const char *p = want[i]; *p && nb < sizeof b - 1; p++)
                if (*p != ' ')
                    b[nb++] = *p;
            a[na] = b[nb] = 0;
            if (strcmp(a, b)) {
                fprintf(stderr, "FAIL: member %u declared as '%s', C says '%s'\n", i, buf,
                        want[i]);
                failed = 1;
            }
        }
        decl_of(btf, "funcs", BTF_KIND_STRUCT, "", 0, buf, sizeof buf);
        CHECK(!strcmp(buf, "struct funcs"));
    }
    printf("#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n");
    for (unsigned id = 1; id < btf__type_cnt(btf); id++) {
        int rc = btf_dump__dump_type(d, id);
        if (rc) {
            fprintf(stderr, "btf_dump__dump_type(%u): %d\n", id, rc);
            failed = 1;
            break;
        }
    }
    printf("#endif /* __VMLINUX_H__ */\n");
    btf_dump__free(d);
    btf__free(btf);
    return failed;
}
