/* A BTF walker written the way libbpf users write them (bpf/btf.h only:
 * btf__parse, btf__type_by_id, the btf_* accessors), built twice: against
 * pbpf (include/compat) and against the system's libbpf.
 *   btf_walk raw FILE|vmlinux   every type in `bpftool btf dump ... format
 *                               raw`'s format (compared with bpftool's)
 *   btf_walk api FILE|vmlinux   sizes, alignments, resolved types, name
 *                               lookups and error conventions (compared
 *                               between pbpf and libbpf)
 *   btf_walk obj FILE           bpf_object__btf of an opened object: the
 *                               maps' key and value types and the programs'
 *                               functions (pbpf against libbpf)
 *   btf_walk err DIR            errno of each btf__parse* for DIR/missing,
 *                               DIR/text, DIR/elf_without_btf, DIR/empty */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_str(unsigned k)
{
    static const char *const names[] = {
        "UNKNOWN", "INT",     "PTR",      "ARRAY",    "STRUCT",   "UNION",   "ENUM",
        "FWD",     "TYPEDEF", "VOLATILE", "CONST",    "RESTRICT", "FUNC",    "FUNC_PROTO",
        "VAR",     "DATASEC", "FLOAT",    "DECL_TAG", "TYPE_TAG", "ENUM64",
    };
    return k < sizeof names / sizeof names[0] ? names[k] : "UNKNOWN";
}

static const char *name_of(const struct btf *btf, __u32 off)
{
    const char *s = btf__name_by_offset(btf, off);
    return s && *s ? s : "(anon)";
}

static const char *linkage_str(unsigned l)
{
    return l == 0 ? "static" : l == 1 ? "global" : l == 2 ? "extern" : "(unknown)";
}

static const char *int_enc_str(unsigned e)
{
    switch (e) {
    case 0:
        return "(none)";
    case BTF_INT_SIGNED:
        return "SIGNED";
    case BTF_INT_CHAR:
        return "CHAR";
    case BTF_INT_BOOL:
        return "BOOL";
    default:
        return "UNKN";
    }
}

static void dump_raw(const struct btf *btf)
{
    __u32 cnt = btf__type_cnt(btf);
    for (__u32 id = 1; id < cnt; id++) {
        const struct btf_type *t = btf__type_by_id(btf, id);
        unsigned kind = btf_kind(t), vlen = btf_vlen(t);
        printf("[%u] %s '%s'", id, kind_str(kind), name_of(btf, t->name_off));
        switch (kind) {
        case BTF_KIND_INT:
            printf(" size=%u bits_offset=%u nr_bits=%u encoding=%s", t->size, btf_int_offset(t),
                   btf_int_bits(t), int_enc_str(btf_int_encoding(t)));
            break;
        case BTF_KIND_PTR:
        case BTF_KIND_CONST:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_TYPE_TAG:
            printf(" type_id=%u", t->type);
            break;
        case BTF_KIND_ARRAY: {
            const struct btf_array *a = btf_array(t);
            printf(" type_id=%u index_type_id=%u nr_elems=%u", a->type, a->index_type, a->nelems);
            break;
        }
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION: {
            const struct btf_member *m = btf_members(t);
            printf(" size=%u vlen=%u", t->size, vlen);
            for (unsigned i = 0; i < vlen; i++, m++) {
                printf("\n\t'%s' type_id=%u bits_offset=%u", name_of(btf, m->name_off), m->type,
                       btf_member_bit_offset(t, i));
                if (btf_member_bitfield_size(t, i))
                    printf(" bitfield_size=%u", btf_member_bitfield_size(t, i));
            }
            break;
        }
        case BTF_KIND_ENUM: {
            const struct btf_enum *e = btf_enum(t);
            printf(" encoding=%s size=%u vlen=%u", btf_kflag(t) ? "SIGNED" : "UNSIGNED", t->size,
                   vlen);
            for (unsigned i = 0; i < vlen; i++, e++) {
                if (btf_kflag(t))
                    printf("\n\t'%s' val=%d", name_of(btf, e->name_off), e->val);
                else
                    printf("\n\t'%s' val=%u", name_of(btf, e->name_off), (__u32)e->val);
            }
            break;
        }
        case BTF_KIND_ENUM64: {
            const struct btf_enum64 *e = btf_enum64(t);
            printf(" encoding=%s size=%u vlen=%u", btf_kflag(t) ? "SIGNED" : "UNSIGNED", t->size,
                   vlen);
            for (unsigned i = 0; i < vlen; i++, e++) {
                if (btf_kflag(t))
                    printf("\n\t'%s' val=%lldLL", name_of(btf, e->name_off),
                           (long long)btf_enum64_value(e));
                else
                    printf("\n\t'%s' val=%lluULL", name_of(btf, e->name_off),
                           (unsigned long long)btf_enum64_value(e));
            }
            break;
        }
        case BTF_KIND_FWD:
            printf(" fwd_kind=%s", btf_kflag(t) ? "union" : "struct");
            break;
        case BTF_KIND_FUNC:
            printf(" type_id=%u linkage=%s", t->type, linkage_str(vlen));
            break;
        case BTF_KIND_FUNC_PROTO: {
            const struct btf_param *p = btf_params(t);
            printf(" ret_type_id=%u vlen=%u", t->type, vlen);
            for (unsigned i = 0; i < vlen; i++, p++)
                printf("\n\t'%s' type_id=%u", name_of(btf, p->name_off), p->type);
            break;
        }
        case BTF_KIND_VAR:
            printf(" type_id=%u, linkage=%s", t->type, linkage_str(btf_var(t)->linkage));
            break;
        case BTF_KIND_DATASEC: {
            const struct btf_var_secinfo *v = btf_var_secinfos(t);
            printf(" size=%u vlen=%u", t->size, vlen);
            for (unsigned i = 0; i < vlen; i++, v++) {
                const struct btf_type *vt = btf__type_by_id(btf, v->type);
                printf("\n\ttype_id=%u offset=%u size=%u (%s '%s')", v->type, v->offset, v->size,
                       kind_str(btf_kind(vt)), name_of(btf, vt->name_off));
            }
            break;
        }
        case BTF_KIND_FLOAT:
            printf(" size=%u", t->size);
            break;
        case BTF_KIND_DECL_TAG:
            printf(" type_id=%u component_idx=%d", t->type, btf_decl_tag(t)->component_idx);
            break;
        default:
            break;
        }
        printf("\n");
    }
}

/* What the API answers about each type; name lookups for some. */
static void dump_api(const struct btf *btf)
{
    __u32 cnt = btf__type_cnt(btf);
    printf("types %u pointer_size %zu endianness %d\n", cnt, btf__pointer_size(btf),
           (int)btf__endianness(btf));
    for (__u32 id = 0; id < cnt; id++) {
        const struct btf_type *t = btf__type_by_id(btf, id);
        errno = 0;
        long long size = btf__resolve_size(btf, id);
        int size_errno = errno;
        errno = 0;
        int resolved = btf__resolve_type(btf, id);
        int res_errno = errno;
        errno = 0;
        int align = btf__align_of(btf, id);
        int align_errno = errno;
        printf("%u %s size=%lld/%d resolve=%d/%d align=%d/%d", id, kind_str(btf_kind(t)), size,
               size_errno, resolved, res_errno, align, align_errno);
        if (id % (cnt < 2000 ? 7 : 1999) == 1 && t->name_off) {
            const char *name = btf__name_by_offset(btf, t->name_off);
            int any = btf__find_by_name(btf, name);
            int same = btf__find_by_name_kind(btf, name, btf_kind(t));
            printf(" find=%d,%d", any, same);
        }
        printf("\n");
    }
    /* the error conventions */
    errno = 0;
    const struct btf_type *past = btf__type_by_id(btf, cnt);
    printf("type_by_id(cnt): %s errno=%d\n", past ? "non-NULL" : "NULL", errno);
    errno = 0;
    const char *s = btf__name_by_offset(btf, 0xfffffff0u);
    printf("name_by_offset(huge): %s errno=%d\n", s ? "non-NULL" : "NULL", errno);
    errno = 0;
    printf("find_by_name(missing): %d errno=%d\n", btf__find_by_name(btf, "no_such_type_xyz"),
           errno);
    errno = 0;
    printf("find_by_name_kind(missing): %d errno=%d\n",
           btf__find_by_name_kind(btf, "no_such_type_xyz", BTF_KIND_STRUCT), errno);
    printf("find_by_name(void): %d, kind UNKN: %d\n", btf__find_by_name(btf, "void"),
           btf__find_by_name_kind(btf, "int", BTF_KIND_UNKN));
    const char *empty = btf__str_by_offset(btf, 0);
    printf("str_by_offset(0): '%s'\n", empty ? empty : "(NULL)");
}

static void dump_obj(const char *path)
{
    struct bpf_object *obj = bpf_object__open_file(path, NULL);
    if (!obj) {
        printf("open: errno %d\n", errno);
        return;
    }
    const struct btf *btf = bpf_object__btf(obj);
    if (!btf) {
        printf("no BTF\n");
        bpf_object__close(obj);
        return;
    }
    printf("types %u\n", btf__type_cnt(btf));
    struct bpf_map *map;
    bpf_object__for_each_map(map, obj)
    {
        __u32 k = bpf_map__btf_key_type_id(map), v = bpf_map__btf_value_type_id(map);
        const struct btf_type *kt = btf__type_by_id(btf, k), *vt = btf__type_by_id(btf, v);
        /* (a DATASEC's size is left out: libbpf fills in the sizes and
         * offsets of the object's DATASECs at open, pbpf does not) */
        printf("map %s key %u %s '%s' value %u %s '%s' size %lld\n", bpf_map__name(map), k,
               kind_str(btf_kind(kt)), name_of(btf, kt->name_off), v, kind_str(btf_kind(vt)),
               name_of(btf, vt->name_off),
               v && !btf_is_datasec(vt) ? (long long)btf__resolve_size(btf, v) : -1);
    }
    struct bpf_program *prog;
    bpf_object__for_each_program(prog, obj)
    {
        int id = btf__find_by_name_kind(btf, bpf_program__name(prog), BTF_KIND_FUNC);
        const struct btf_type *f = id > 0 ? btf__type_by_id(btf, (__u32)id) : NULL;
        const struct btf_type *proto = f ? btf__type_by_id(btf, f->type) : NULL;
        printf("prog %s func %d", bpf_program__name(prog), id);
        if (proto) {
            const struct btf_param *p = btf_params(proto);
            for (unsigned i = 0; i < btf_vlen(proto); i++, p++)
                printf(" %s:%d", name_of(btf, p->name_off), btf__resolve_type(btf, p->type));
        }
        printf("\n");
    }
    if (bpf_object__btf(obj) != btf)
        printf("bpf_object__btf gave another pointer\n");
    bpf_object__close(obj);
}

/* What each way of reading BTF answers for files that are not BTF. */
static void dump_errors(const char *dir)
{
    static const char *const names[] = {"missing", "text", "elf_without_btf", "empty"};
    char path[4096];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct btf *b;
        errno = 0;
        b = btf__parse(path, NULL);
        printf("%s: parse %s/%d", names[i], b ? "ok" : "NULL", errno);
        btf__free(b);
        errno = 0;
        b = btf__parse_raw(path);
        printf(" raw %s/%d", b ? "ok" : "NULL", errno);
        btf__free(b);
        errno = 0;
        b = btf__parse_elf(path, NULL);
        printf(" elf %s/%d\n", b ? "ok" : "NULL", errno);
        btf__free(b);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s raw|api|obj FILE|vmlinux\n", argv[0]);
        return 2;
    }
    libbpf_set_print(NULL); /* warnings are part of neither output */
    if (!strcmp(argv[1], "err")) {
        dump_errors(argv[2]);
        return 0;
    }
    if (!strcmp(argv[1], "obj")) {
        dump_obj(argv[2]);
        return 0;
    }
    struct btf_ext *ext = NULL;
    struct btf *btf = !strcmp(argv[2], "vmlinux") ? btf__load_vmlinux_btf()
                                                 : btf__parse(argv[2], &ext);
    if (!btf) {
        fprintf(stderr, "%s: cannot read BTF: %s\n", argv[2], strerror(errno));
        return 1;
    }
    if (!strcmp(argv[1], "raw"))
        dump_raw(btf);
    else
        dump_api(btf);
    btf_ext__free(ext);
    btf__free(btf);
    return 0;
}
