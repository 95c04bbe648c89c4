/* BTF as C (src/btf/btf_dump_c.c) on BTF that no C source gives: an
 * anonymous struct that points to itself, two function prototypes that
 * take pointers to each other, and a chain of 20000 structs each holding
 * the next by value.  The BTF parser accepts all three; the dump must end
 * (no endless recursion, no stack overflow), say where it cut, and free
 * what it took (the sanitizer build checks that). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf/btf.h"
#include "btf/btf_dump_c.h"

static int failures;
#define CHECK(c, ...)                                                                              \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* A raw BTF blob under construction: types, then strings. */
struct blob {
    uint32_t *w;
    size_t n, cap;
    char str[256];
    size_t slen;
};

static void put(struct blob *b, uint32_t v)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->w = realloc(b->w, b->cap * sizeof *b->w);
    }
    b->w[b->n++] = v;
}

static uint32_t str(struct blob *b, const char *s)
{
    if (!b->slen)
        b->slen = 1; /* offset 0: "" */
    uint32_t off = (uint32_t)b->slen;
    memcpy(b->str + b->slen, s, strlen(s) + 1);
    b->slen += strlen(s) + 1;
    return off;
}

#define INFO(kind, vlen) ((uint32_t)(kind) << 24 | (vlen))

static struct pbpf_btf *finish(struct blob *b)
{
    size_t tlen = b->n * 4, len = 24 + tlen + b->slen;
    uint8_t *raw = calloc(1, len);
    uint32_t hdr[6] = {0x0001eb9f, 24, 0, (uint32_t)tlen, (uint32_t)tlen, (uint32_t)b->slen};
    memcpy(raw, hdr, sizeof hdr);
    memcpy(raw + 24, b->w, tlen);
    memcpy(raw + 24 + tlen, b->str, b->slen);
    struct pbpf_btf *btf = NULL;
    char err[256] = "";
    int rc = pbpf_btf_parse(raw, len, &btf, err, sizeof err);
    CHECK(rc == 0, "the BTF parser refuses the test BTF: %s", err);
    free(raw);
    free(b->w);
    return btf;
}

static void out(void *ctx, const char *fmt, va_list ap)
{
    vfprintf(ctx, fmt, ap);
}

/* The whole dump as a string (caller frees). */
static char *dump(struct pbpf_btf *btf)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    struct pbpf_btf_cdump *d = pbpf_btf_cdump_new(btf, out, f);
    CHECK(d != NULL, "cdump_new");
    CHECK(pbpf_btf_cdump_all(d) == 0, "cdump_all");
    /* every id, declared too */
    for (uint32_t id = 1; id < pbpf_btf_type_cnt(btf); id++)
        CHECK(pbpf_btf_cdump_decl(d, id, "x", 0, 0) == 0, "decl %u", id);
    CHECK(pbpf_btf_cdump_type(d, pbpf_btf_type_cnt(btf)) < 0, "an id past the end is refused");
    pbpf_btf_cdump_free(d);
    fclose(f);
    return text;
}

int main(void)
{
    /* cycles */
    struct blob b = {0};
    uint32_t n_int = str(&b, "int"), n_p = str(&b, "p"), n_t = str(&b, "t"), n_f = str(&b, "f"),
             n_s = str(&b, "s"), n_a = str(&b, "a"), n_g = str(&b, "g");
    put(&b, n_int), put(&b, INFO(1, 0)), put(&b, 4), put(&b, 1u << 24 | 32);          /* 1 int */
    put(&b, 0), put(&b, INFO(4, 1)), put(&b, 8), put(&b, n_p), put(&b, 3), put(&b, 0); /* 2 */
    put(&b, 0), put(&b, INFO(2, 0)), put(&b, 2);                                       /* 3 *2 */
    put(&b, 0), put(&b, INFO(13, 1)), put(&b, 1), put(&b, 0), put(&b, 5);              /* 4 */
    put(&b, 0), put(&b, INFO(2, 0)), put(&b, 6);                                       /* 5 *6 */
    put(&b, 0), put(&b, INFO(13, 1)), put(&b, 1), put(&b, 0), put(&b, 7);              /* 6 */
    put(&b, 0), put(&b, INFO(2, 0)), put(&b, 4);                                       /* 7 *4 */
    put(&b, n_t), put(&b, INFO(8, 0)), put(&b, 2);                                     /* 8 t */
    put(&b, n_f), put(&b, INFO(8, 0)), put(&b, 5);                                     /* 9 f */
    put(&b, n_s), put(&b, INFO(4, 2)), put(&b, 16);                                    /* 10 s */
    put(&b, n_a), put(&b, 8), put(&b, 0);
    put(&b, n_g), put(&b, 9), put(&b, 64);
    struct pbpf_btf *btf = finish(&b);
    if (btf) {
        char *text = dump(btf);
        CHECK(text && strstr(text, "nested too deep"), "the cycle is not cut:\n%.400s",
              text ? text : "");
        CHECK(text && strstr(text, "struct s {"), "struct s is not written");
        free(text);
        pbpf_btf_free(btf);
    }

    /* a by-value chain: struct c<i> { struct c<i+1> next; int v; } */
    enum { CHAIN = 20000 };
    struct blob c = {0};
    uint32_t cn_int = str(&c, "int"), cn_name = str(&c, "c"), cn_next = str(&c, "n"),
             cn_v = str(&c, "v");
    put(&c, cn_int), put(&c, INFO(1, 0)), put(&c, 4), put(&c, 1u << 24 | 32); /* 1 int */
    for (uint32_t i = 0; i < CHAIN; i++) {
        uint32_t id = 2 + i, size = 4 * (CHAIN - i);
        if (i == CHAIN - 1) {
            put(&c, cn_name), put(&c, INFO(4, 1)), put(&c, 4);
            put(&c, cn_v), put(&c, 1), put(&c, 0);
        } else {
            put(&c, cn_name), put(&c, INFO(4, 2)), put(&c, size);
            put(&c, cn_next), put(&c, id + 1), put(&c, 0);
            put(&c, cn_v), put(&c, 1), put(&c, (size - 4) * 8);
        }
    }
    btf = finish(&c);
    if (btf) {
        char *text = dump(btf);
        CHECK(text && strstr(text, "struct c___20000 {"), "the last of the chain is not named");
        free(text);
        pbpf_btf_free(btf);
    }
    printf("%s\n", failures ? "btf dump cycles: FAILED" : "btf dump cycles: all checks passed");
    return failures != 0;
}
