/* pbpf's btf__* API against the C compiler: the types of btf/btf_layout.h
 * are compiled into btf_layout.bpf.o by clang -target bpf and into this
 * test by the host compiler, and every size, alignment, member offset and
 * bitfield that the BTF API reports must be what sizeof, _Alignof,
 * offsetof and the bits a bitfield sets say.  Also: lookups, the error
 * conventions of libbpf 1.x, .BTF.ext, bpf_object__btf and the kernel's
 * BTF (where /sys/kernel/btf/vmlinux exists).
 *   test_compat_btf btf_layout.bpf.o minimal.bpf.o */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "btf/btf_layout.h"

static int failures, checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        checks++;                                                                                  \
        if (a_ != b_) {                                                                            \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a,    \
                    a_, #b, b_);                                                                   \
        }                                                                                          \
    } while (0)

static struct btf *btf;

/* The BTF id of the type named like the C tag. */
static int type_id(const char *tag)
{
    int id = btf__find_by_name(btf, tag);
    CHECK(id > 0);
    return id;
}

/* Member `name` of composite id (searching anonymous members): its bit
 * offset from the start of id, its bitfield size and type; -1 if none. */
static long long member(__u32 id, const char *name, __u32 *bits, __u32 *type)
{
    const struct btf_type *t = btf__type_by_id(btf, id);
    if (!t || !btf_is_composite(t))
        return -1;
    const struct btf_member *m = btf_members(t);
    for (__u32 i = 0; i < btf_vlen(t); i++, m++) {
        const char *n = btf__name_by_offset(btf, m->name_off);
        if (n && !strcmp(n, name)) {
            *bits = btf_member_bitfield_size(t, i);
            *type = m->type;
            return btf_member_bit_offset(t, i);
        }
        if (n && !*n) {
            long long inner = member((__u32)btf__resolve_type(btf, m->type), name, bits, type);
            if (inner >= 0)
                return btf_member_bit_offset(t, i) + inner;
        }
    }
    return -1;
}

static const char *tag_of(const char *type)
{
    const char *sp = strchr(type, ' ');
    return sp ? sp + 1 : type;
}

static void check_member(const char *type, const char *name, size_t off, size_t size)
{
    __u32 bits = 99, mtype = 0;
    long long bit_off = member((__u32)type_id(tag_of(type)), name, &bits, &mtype);
    if (bit_off < 0)
        fprintf(stderr, "%s.%s: not found\n", type, name);
    CHECK_EQ(bit_off, (long long)off * 8);
    CHECK_EQ(bits, 0);
    CHECK_EQ(btf__resolve_size(btf, mtype), size);
}

/* Where a bitfield's bits are: set it to all ones in a zeroed value and
 * look at which bits changed (little-endian: bit n of the value is bit
 * n % 8 of byte n / 8, BTF's numbering). */
static void bits_of(const unsigned char *p, size_t size, int *first, int *count)
{
    *first = -1;
    *count = 0;
    for (size_t i = 0; i < size * 8; i++)
        if (p[i / 8] >> (i % 8) & 1) {
            if (*first < 0)
                *first = (int)i;
            (*count)++;
        }
}

static void check_bitfield(const char *type, const char *name, const unsigned char *p,
                           size_t size)
{
    int first, count;
    bits_of(p, size, &first, &count);
    __u32 bits = 0, mtype = 0;
    long long bit_off = member((__u32)type_id(tag_of(type)), name, &bits, &mtype);
    CHECK_EQ(bit_off, first);
    CHECK_EQ(bits, count);
}

static void test_layout(void)
{
    CHECK_EQ(btf__pointer_size(btf), sizeof(void *));
    CHECK_EQ(btf__endianness(btf), BTF_LITTLE_ENDIAN);
#define TYPE(T, tag)                                                                               \
    CHECK_EQ(btf__resolve_size(btf, (__u32)type_id(#tag)), sizeof(T));                             \
    CHECK_EQ(btf__align_of(btf, (__u32)type_id(#tag)), _Alignof(T));
    LAYOUT_TYPES(TYPE)
#undef TYPE
#define MEMBER(T, m) check_member(#T, #m, offsetof(T, m), sizeof(((T *)0)->m));
    LAYOUT_MEMBERS(MEMBER)
#undef MEMBER
    /* the members of the anonymous union, through it */
    check_member("struct lay_nested", "u_i", offsetof(struct lay_nested, u_i), sizeof(int));
    check_member("struct lay_nested", "u_c", offsetof(struct lay_nested, u_c), 6);
#define BITFIELD(T, m)                                                                             \
    {                                                                                              \
        T v;                                                                                       \
        memset(&v, 0, sizeof v);                                                                   \
        v.m = -1;                                                                                  \
        check_bitfield(#T, #m, (const unsigned char *)&v, sizeof v);                               \
    }
    LAYOUT_BITFIELDS(BITFIELD)
#undef BITFIELD
    /* the variables' types resolve to the structs */
    int var = btf__find_by_name_kind(btf, "v_nested", BTF_KIND_VAR);
    CHECK(var > 0);
    CHECK_EQ(btf__resolve_type(btf, (__u32)var), type_id("lay_nested"));
    CHECK_EQ(btf__resolve_size(btf, (__u32)var), sizeof(struct lay_nested));
    /* a const volatile member resolves through its modifiers */
    __u32 bits, mtype;
    member((__u32)type_id("lay_nested"), "cv", &bits, &mtype);
    int base = btf__resolve_type(btf, mtype);
    CHECK(base > 0 && btf_is_int(btf__type_by_id(btf, (__u32)base)));
    /* the enum's values */
    const struct btf_type *e = btf__type_by_id(btf, (__u32)type_id("lay_enum"));
    CHECK(e && btf_is_enum(e) && btf_vlen(e) == 2);
    if (e && btf_vlen(e) == 2) {
        CHECK_EQ(btf_enum(e)[0].val, LAY_NEG);
        CHECK_EQ(btf_enum(e)[1].val, LAY_FIVE);
        CHECK(!strcmp(btf__name_by_offset(btf, btf_enum(e)[1].name_off), "LAY_FIVE"));
    }
}

static void test_errors(void)
{
    __u32 cnt = btf__type_cnt(btf);
    CHECK(cnt > 1);
    const struct btf_type *v = btf__type_by_id(btf, 0);
    CHECK(v && btf_is_void(v) && v->size == 0);
    errno = 0;
    CHECK(btf__type_by_id(btf, cnt) == NULL && errno == EINVAL);
    errno = 0;
    CHECK(btf__name_by_offset(btf, 0xffffff00u) == NULL && errno == EINVAL);
    errno = 0;
    CHECK_EQ(btf__find_by_name(btf, "no_such_type"), -ENOENT);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(btf__find_by_name_kind(btf, "lay_basic", BTF_KIND_UNION), -ENOENT);
    CHECK_EQ(btf__find_by_name(btf, "void"), 0);
    CHECK_EQ(btf__find_by_name_kind(btf, "lay_basic", BTF_KIND_UNKN), 0);
    errno = 0;
    CHECK_EQ(btf__resolve_size(btf, 0), -EINVAL);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(btf__resolve_type(btf, cnt + 5), -EINVAL);
    errno = 0;
    CHECK_EQ(btf__align_of(btf, 0), 0);
    CHECK_EQ(errno, EINVAL);
    errno = 0;
    CHECK(btf__parse("/nonexistent/file.o", NULL) == NULL && errno == ENOENT);
    errno = 0;
    CHECK(btf__new("\x9f\xeb\x01\x00", 4) == NULL && errno == EINVAL);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s btf_layout.bpf.o minimal.bpf.o\n", argv[0]);
        return 2;
    }
    libbpf_set_print(NULL);
    struct btf_ext *ext = (struct btf_ext *)1;
    btf = btf__parse_elf(argv[1], &ext);
    CHECK(btf != NULL);
    if (!btf)
        return 1;
    CHECK(ext == NULL); /* no functions, no .BTF.ext */
    test_layout();
    test_errors();
    btf__free(btf);

    /* the same BTF through btf__parse and btf__new (raw) */
    btf = btf__parse(argv[2], &ext);
    CHECK(btf != NULL && ext != NULL);
    CHECK(btf && btf__find_by_name_kind(btf, "handle_tp", BTF_KIND_FUNC) > 0);
    btf_ext__free(ext);
    btf__free(btf);

    struct bpf_object *obj = bpf_object__open_file(argv[2], NULL);
    CHECK(obj != NULL);
    if (obj) {
        struct btf *ob = bpf_object__btf(obj);
        CHECK(ob != NULL && ob == bpf_object__btf(obj));
        int f = ob ? btf__find_by_name_kind(ob, "handle_tp", BTF_KIND_FUNC) : -1;
        CHECK(f > 0);
        struct bpf_map *bss = bpf_object__find_map_by_name(obj, "minimal.bss");
        CHECK(bss != NULL);
        if (ob && bss) {
            const struct btf_type *ds = btf__type_by_id(ob, bpf_map__btf_value_type_id(bss));
            CHECK(ds && btf_is_datasec(ds) &&
                  !strcmp(btf__name_by_offset(ob, ds->name_off), ".bss"));
        }
        bpf_object__close(obj);
    }
    errno = 0;
    CHECK(bpf_object__btf(NULL) == NULL && errno == EINVAL);

    if (access("/sys/kernel/btf/vmlinux", R_OK) == 0) {
        struct btf *k = btf__load_vmlinux_btf();
        CHECK(k != NULL);
        if (k) {
            int ts = btf__find_by_name_kind(k, "task_struct", BTF_KIND_STRUCT);
            CHECK(ts > 0);
            CHECK(btf__resolve_size(k, (__u32)ts) > 0);
            CHECK(btf__align_of(k, (__u32)ts) >= 8);
            CHECK_EQ(btf__pointer_size(k), 8);
            btf__free(k);
        }
    } else {
        printf("note: no /sys/kernel/btf/vmlinux: kernel BTF not checked\n");
    }
    if (failures) {
        fprintf(stderr, "compat_btf: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("compat_btf: %d checks passed\n", checks);
    return 0;
}
