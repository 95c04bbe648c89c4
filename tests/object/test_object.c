/* Tests of the object parser (src/elf, src/btf).
 *   btf            hand-built BTF blobs: every kind, queries, malformed ones
 *   secnames       section name -> Linux program/attach type (spec tables)
 *   parse DIR      the objects built from tests/progs: facts known from
 *                  their C sources (maps, data, externs, calls, BTF)
 *   malformed DIR [OBJ]  truncations and corruptions of those objects: errors
 *                  with a message, never a crash
 *   dump OBJ       prints what the parser sees (for debugging) */
#include <errno.h>
#include <stdint.h>

#include "btf/btf.h"
#include "elf/elf.h"
#include "isa/isa.h"
#include "pbpf/object.h"
#include "test_util.h"

/* ---------------------------------------------------------------- BTF */

struct blob {
    uint8_t b[4096];
    size_t types; /* bytes of type data */
    char strs[512];
    size_t str_len;
};

static void w32(struct blob *bl, uint32_t v)
{
    memcpy(bl->b + 24 + bl->types, &v, 4);
    bl->types += 4;
}

static uint32_t str(struct blob *bl, const char *s)
{
    uint32_t off = (uint32_t)bl->str_len;
    if (!bl->str_len) { /* offset 0 is the empty string */
        bl->strs[0] = 0;
        bl->str_len = off = 1;
    }
    if (!*s)
        return 0;
    memcpy(bl->strs + off, s, strlen(s) + 1);
    bl->str_len += strlen(s) + 1;
    return off;
}

#define INFO(kind, vlen, kflag) ((uint32_t)(kflag) << 31 | (uint32_t)(kind) << 24 | (vlen))

static void ty(struct blob *bl, const char *name, uint32_t info, uint32_t size_type)
{
    w32(bl, str(bl, name));
    w32(bl, info);
    w32(bl, size_type);
}

/* Header + types + strings; returns the blob's length. */
static size_t finish(struct blob *bl)
{
    uint32_t h[6] = {0};
    uint8_t *p = bl->b;
    if (!bl->str_len)
        str(bl, "");
    p[0] = 0x9f;
    p[1] = 0xeb;
    p[2] = 1;
    p[3] = 0;
    h[1] = 24;
    h[2] = 0;
    h[3] = (uint32_t)bl->types;
    h[4] = (uint32_t)bl->types;
    h[5] = (uint32_t)bl->str_len;
    memcpy(p + 4, &h[1], 20);
    memcpy(p + 24 + bl->types, bl->strs, bl->str_len);
    return 24 + bl->types + bl->str_len;
}

static void build_all_kinds(struct blob *bl)
{
    memset(bl, 0, sizeof(*bl));
    str(bl, "");
    ty(bl, "int", INFO(PBPF_BTF_KIND_INT, 0, 0), 4); /* 1 */
    w32(bl, 1u << 24 | 32);                           /* signed, 32 bits */
    ty(bl, "", INFO(PBPF_BTF_KIND_PTR, 0, 0), 1);     /* 2: int * */
    ty(bl, "", INFO(PBPF_BTF_KIND_CONST, 0, 0), 2);   /* 3: int *const */
    ty(bl, "T", INFO(PBPF_BTF_KIND_TYPEDEF, 0, 0), 3); /* 4 */
    ty(bl, "S", INFO(PBPF_BTF_KIND_STRUCT, 2, 0), 16); /* 5 */
    w32(bl, str(bl, "a"));
    w32(bl, 1);
    w32(bl, 0);
    w32(bl, str(bl, "b"));
    w32(bl, 4);
    w32(bl, 64);
    ty(bl, "", INFO(PBPF_BTF_KIND_ARRAY, 0, 0), 0); /* 6: int[4] */
    w32(bl, 1);
    w32(bl, 1);
    w32(bl, 4);
    ty(bl, "E", INFO(PBPF_BTF_KIND_ENUM, 1, 0), 4); /* 7 */
    w32(bl, str(bl, "X"));
    w32(bl, 1);
    ty(bl, "", INFO(PBPF_BTF_KIND_FUNC_PROTO, 1, 0), 1); /* 8: int (int a) */
    w32(bl, str(bl, "a"));
    w32(bl, 1);
    ty(bl, "f", INFO(PBPF_BTF_KIND_FUNC, 1, 0), 8); /* 9: global f */
    ty(bl, "v", INFO(PBPF_BTF_KIND_VAR, 0, 0), 1);  /* 10 */
    w32(bl, 1);
    ty(bl, ".data", INFO(PBPF_BTF_KIND_DATASEC, 1, 0), 4); /* 11 */
    w32(bl, 10);
    w32(bl, 0);
    w32(bl, 4);
    ty(bl, "float", INFO(PBPF_BTF_KIND_FLOAT, 0, 0), 4);  /* 12 */
    ty(bl, "tag", INFO(PBPF_BTF_KIND_DECL_TAG, 0, 0), 9); /* 13 */
    w32(bl, 0xffffffffu);
    ty(bl, "user", INFO(PBPF_BTF_KIND_TYPE_TAG, 0, 0), 1); /* 14 */
    ty(bl, "E64", INFO(PBPF_BTF_KIND_ENUM64, 1, 1), 8);    /* 15 */
    w32(bl, str(bl, "Y"));
    w32(bl, 1);
    w32(bl, 2);
    ty(bl, "F", INFO(PBPF_BTF_KIND_FWD, 0, 1), 0);       /* 16: union F */
    ty(bl, "", INFO(PBPF_BTF_KIND_VOLATILE, 0, 0), 6);  /* 17 */
    ty(bl, "", INFO(PBPF_BTF_KIND_RESTRICT, 0, 0), 2);  /* 18 */
    ty(bl, "A2", INFO(PBPF_BTF_KIND_TYPEDEF, 0, 0), 17); /* 19: typedef volatile int[4] */
}

static int parse_blob(struct blob *bl, size_t len, char *err, size_t esz)
{
    struct pbpf_btf *btf = NULL;
    int rc = pbpf_btf_parse(bl->b, len, &btf, err, esz);
    pbpf_btf_free(btf);
    return rc;
}

static void test_btf(void)
{
    struct blob bl, copy;
    struct pbpf_btf *btf = NULL;
    const struct pbpf_btf_member *m;
    uint64_t v;
    char err[256] = "";
    size_t len;
    int rc;

    build_all_kinds(&bl);
    len = finish(&bl);
    rc = pbpf_btf_parse(bl.b, len, &btf, err, sizeof(err));
    CHECK(rc == 0, "all kinds: %d %s", rc, err);
    if (btf) {
        CHECK(pbpf_btf_type_cnt(btf) == 20, "type count %u", pbpf_btf_type_cnt(btf));
        CHECK(pbpf_btf_skip_mods(btf, 4) == 2, "typedef->const->ptr resolves to %u",
              pbpf_btf_skip_mods(btf, 4));
        CHECK(pbpf_btf_skip_qualifiers(btf, 4) == 4, "typedef kept");
        CHECK(pbpf_btf_type_size(btf, 6, &v) == 0 && v == 16, "int[4] is 16 bytes");
        CHECK(pbpf_btf_type_size(btf, 19, &v) == 0 && v == 16, "typedef of volatile int[4]");
        CHECK(pbpf_btf_type_size(btf, 4, &v) == 0 && v == 8, "pointer size");
        CHECK(pbpf_btf_type_size(btf, 9, &v) == -EINVAL, "a function has no size");
        CHECK(pbpf_btf_find_member(btf, 5, "b", &m, &v) == 0 && v == 64 && m->type == 4,
              "member b at bit 64");
        CHECK(pbpf_btf_find_member(btf, 5, "zz", &m, &v) == -ENOENT, "no member zz");
        CHECK(pbpf_btf_find_by_name_kind(btf, "S", PBPF_BTF_KIND_STRUCT) == 5, "struct S");
        CHECK(pbpf_btf_find_by_name_kind(btf, "S", PBPF_BTF_KIND_UNION) == -ENOENT, "no union S");
        CHECK(strcmp(pbpf_btf_name(btf, pbpf_btf_type_by_id(btf, 15)), "E64") == 0, "name E64");
        CHECK(pbpf_btf_type_by_id(btf, 20) == NULL && pbpf_btf_type_by_id(btf, 0) == NULL,
              "ids out of range");
        pbpf_btf_free(btf);
    }

    /* every truncation fails cleanly */
    for (size_t n = 0; n < len; n++) {
        copy = bl;
        err[0] = 0;
        rc = parse_blob(&copy, n, err, sizeof(err));
        if (n < len - 1 || rc) /* only the whole blob may parse */
            CHECK(rc < 0 && err[0], "truncated to %zu: %d", n, rc);
    }
    /* every byte corrupted: no crash, and an error always says why */
    for (size_t n = 0; n < len; n++)
        for (int k = 0; k < 3; k++) {
            static const uint8_t vals[] = {0x00, 0xff, 0x80};
            copy = bl;
            copy.b[n] = k == 2 ? copy.b[n] ^ 0x80 : vals[k];
            err[0] = 0;
            rc = parse_blob(&copy, len, err, sizeof(err));
            CHECK(rc == 0 || (rc < 0 && err[0]), "byte %zu = %02x: %d without message", n,
                  copy.b[n], rc);
        }

    /* typedef loop */
    memset(&bl, 0, sizeof(bl));
    ty(&bl, "A", INFO(PBPF_BTF_KIND_TYPEDEF, 0, 0), 2);
    ty(&bl, "B", INFO(PBPF_BTF_KIND_TYPEDEF, 0, 0), 1);
    len = finish(&bl);
    err[0] = 0;
    rc = parse_blob(&bl, len, err, sizeof(err));
    CHECK(rc == -EINVAL && strstr(err, "chain"), "typedef loop: %d %s", rc, err);

    /* pointer loop */
    memset(&bl, 0, sizeof(bl));
    ty(&bl, "", INFO(PBPF_BTF_KIND_PTR, 0, 0), 1);
    len = finish(&bl);
    err[0] = 0;
    rc = parse_blob(&bl, len, err, sizeof(err));
    CHECK(rc == -EINVAL, "self pointer: %d %s", rc, err);

    /* reference past the last type */
    memset(&bl, 0, sizeof(bl));
    ty(&bl, "", INFO(PBPF_BTF_KIND_PTR, 0, 0), 99);
    len = finish(&bl);
    err[0] = 0;
    rc = parse_blob(&bl, len, err, sizeof(err));
    CHECK(rc == -EINVAL && strstr(err, "[1]"), "dangling pointer: %d %s", rc, err);

    /* name offset outside the strings */
    memset(&bl, 0, sizeof(bl));
    ty(&bl, "", INFO(PBPF_BTF_KIND_INT, 0, 0), 4);
    w32(&bl, 32);
    len = finish(&bl);
    memset(bl.b + 24, 0x7f, 1); /* name_off = 0x7f */
    err[0] = 0;
    rc = parse_blob(&bl, len, err, sizeof(err));
    CHECK(rc == -EINVAL && strstr(err, "string"), "bad name offset: %d %s", rc, err);

    /* unknown kind */
    memset(&bl, 0, sizeof(bl));
    ty(&bl, "", INFO(20, 0, 0), 0);
    len = finish(&bl);
    err[0] = 0;
    rc = parse_blob(&bl, len, err, sizeof(err));
    CHECK(rc == -EINVAL && strstr(err, "kind"), "unknown kind: %d %s", rc, err);

    /* struct member past the struct's size */
    memset(&bl, 0, sizeof(bl));
    ty(&bl, "int", INFO(PBPF_BTF_KIND_INT, 0, 0), 4);
    w32(&bl, 32);
    ty(&bl, "S", INFO(PBPF_BTF_KIND_STRUCT, 1, 0), 4);
    w32(&bl, str(&bl, "a"));
    w32(&bl, 1);
    w32(&bl, 32);
    len = finish(&bl);
    err[0] = 0;
    rc = parse_blob(&bl, len, err, sizeof(err));
    CHECK(rc == -EINVAL && strstr(err, "[2]"), "member past size: %d %s", rc, err);

    /* anonymous unions nested 30 deep, 8 wide: a failed member lookup
     * must not visit all 8^30 paths */
    memset(&bl, 0, sizeof(bl));
    ty(&bl, "int", INFO(PBPF_BTF_KIND_INT, 0, 0), 4);
    w32(&bl, 32);
    for (uint32_t id = 2; id <= 31; id++) {
        ty(&bl, "", INFO(PBPF_BTF_KIND_UNION, 8, 0), 4);
        for (int k = 0; k < 8; k++) {
            w32(&bl, 0);
            w32(&bl, id - 1);
            w32(&bl, 0);
        }
    }
    len = finish(&bl);
    btf = NULL;
    rc = pbpf_btf_parse(bl.b, len, &btf, err, sizeof(err));
    CHECK(rc == 0, "nested unions: %d %s", rc, err);
    if (btf) {
        CHECK(pbpf_btf_find_member(btf, 31, "zz", &m, &v) < 0, "no member zz, quickly");
        pbpf_btf_free(btf);
    }

    /* version 2 is someone else's format */
    build_all_kinds(&bl);
    len = finish(&bl);
    bl.b[2] = 2;
    rc = parse_blob(&bl, len, err, sizeof(err));
    CHECK(rc == -ENOTSUP, "version 2: %d", rc);
}

/* ----------------------------------------------------------- sec names */

static void expect_sec(const char *sec, int known, uint32_t pt, uint32_t at, int sleepable)
{
    uint32_t p = 99, a = 99;
    int s = -1, rc = pbpf_sec_prog_type(sec, &p, &a, &s);
    if (!known) {
        CHECK(rc == -ENOENT, "%s: known (%u)", sec, p);
        return;
    }
    CHECK(rc == 0 && p == pt && a == at && s == sleepable, "%s: rc %d type %u attach %u sleep %d",
          sec, rc, p, a, s);
}

static void test_secnames(void)
{
    /* numbers: spec/prog-types.tsv and spec/attach-types.tsv */
    expect_sec("socket", 1, 1, 0, 0);
    expect_sec("socket_filter_x", 1, 1, 0, 0); /* legacy prefix */
    expect_sec("kprobe/do_sys_open", 1, 2, 0, 0);
    expect_sec("kprobe", 1, 2, 0, 0);
    expect_sec("kprobe.multi/vfs_*", 1, 2, 42, 0);
    expect_sec("uprobe.s//bin/sh:main", 1, 2, 0, 1);
    expect_sec("tc", 1, 3, 0, 0);
    expect_sec("classifier", 1, 3, 0, 0);
    expect_sec("classifier/ingress", 1, 3, 0, 0); /* legacy prefix */
    expect_sec("tcx/egress", 1, 3, 47, 0);
    expect_sec("netkit/peer", 1, 3, 55, 0);
    expect_sec("action", 1, 4, 0, 0);
    expect_sec("tracepoint/syscalls/sys_enter_open", 1, 5, 0, 0);
    expect_sec("xdp", 1, 6, 37, 0);
    expect_sec("xdp.frags/cpumap", 1, 6, 35, 0);
    expect_sec("xdp_drop_all", 1, 6, 37, 0); /* legacy prefix */
    expect_sec("perf_event", 1, 7, 0, 0);
    expect_sec("cgroup_skb/egress", 1, 8, 1, 0);
    expect_sec("cgroup/sock", 1, 9, 2, 0);
    expect_sec("cgroup/post_bind6", 1, 9, 13, 0);
    expect_sec("sockops", 1, 13, 3, 0);
    expect_sec("sk_skb/stream_parser", 1, 14, 4, 0);
    expect_sec("cgroup/dev", 1, 15, 6, 0);
    expect_sec("sk_msg", 1, 16, 7, 0);
    expect_sec("raw_tp/sched_switch", 1, 17, 0, 0);
    expect_sec("cgroup/recvmsg6", 1, 18, 20, 0);
    expect_sec("cgroup/getsockname_unix", 1, 18, 53, 0);
    expect_sec("sk_reuseport/migrate", 1, 21, 40, 0);
    expect_sec("flow_dissector", 1, 22, 17, 0);
    expect_sec("cgroup/sysctl", 1, 23, 18, 0);
    expect_sec("raw_tp.w/x", 1, 24, 0, 0);
    expect_sec("cgroup/setsockopt", 1, 25, 22, 0);
    expect_sec("fentry/tcp_v4_connect", 1, 26, 24, 0);
    expect_sec("fmod_ret.s/x", 1, 26, 26, 1);
    expect_sec("iter/task", 1, 26, 28, 0);
    expect_sec("tp_btf/sched_switch", 1, 26, 23, 0);
    expect_sec("struct_ops/x", 1, 27, 0, 0);
    expect_sec("freplace/f", 1, 28, 0, 0);
    expect_sec("lsm.s/file_open", 1, 29, 27, 1);
    expect_sec("lsm_cgroup/x", 1, 29, 43, 0);
    expect_sec("sk_lookup", 1, 30, 36, 0);
    expect_sec("syscall", 1, 31, 0, 1);
    expect_sec("netfilter", 1, 32, 45, 0);
    /* not libbpf's: iproute2 tail-call slots, Cilium, typos */
    expect_sec("2/1", 0, 0, 0, 0);
    expect_sec("from-netdev", 0, 0, 0, 0);
    expect_sec("kprobes/x", 0, 0, 0, 0);
    expect_sec("fentryx", 0, 0, 0, 0);
    expect_sec("", 0, 0, 0, 0);
    CHECK(strcmp(pbpf_prog_type_name(6), "xdp") == 0, "xdp name");
    CHECK(strcmp(pbpf_prog_type_name(3), "sched_cls") == 0, "sched_cls name");
    CHECK(strcmp(pbpf_attach_type_name(46), "tcx_ingress") == 0, "tcx_ingress name");
    CHECK(pbpf_prog_type_name(1000) == NULL && pbpf_attach_type_name(1000) == NULL, "unknown");
}

/* -------------------------------------------------------------- objects */

static struct pbpf_object *open_obj(const char *dir, const char *name, void **buf, size_t *len)
{
    char path[1024], log[256] = "";
    struct pbpf_object *o = NULL;
    PBPF_OPTS(pbpf_object_opts, opts, .log_buf = log, .log_size = sizeof(log));
    int rc;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    *buf = read_file(path, len);
    CHECK(*buf != NULL, "cannot read %s", path);
    if (!*buf)
        return NULL;
    rc = pbpf_object_open_mem(*buf, *len, &opts, &o);
    CHECK(rc == 0, "%s: %d %s", name, rc, log);
    return o;
}

static const struct pbpf_object_map *map_named(const struct pbpf_object *o, const char *n, size_t *idx)
{
    for (size_t i = 0; i < pbpf_object_map_cnt(o); i++)
        if (strcmp(pbpf_object_map(o, i)->name, n) == 0) {
            if (idx)
                *idx = i;
            return pbpf_object_map(o, i);
        }
    return NULL;
}

static int find_bytes(const uint8_t *hay, size_t n, const char *needle, size_t k)
{
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return 1;
    return 0;
}

static size_t prog_index(const struct pbpf_object *o, const char *n)
{
    for (size_t i = 0; i < pbpf_object_prog_cnt(o); i++)
        if (strcmp(pbpf_object_prog(o, i)->name, n) == 0)
            return i;
    return SIZE_MAX;
}

/* Structural facts every linked program must satisfy. */
static void check_prog_shape(const char *file, const struct pbpf_object *o,
                             const struct pbpf_object_prog *p)
{
    char err[200] = "";
    size_t bad = 0;
    int rc = pbpf_isa_validate(p->insns, p->insn_cnt, err, sizeof(err), &bad);
    CHECK(rc == 0, "%s %s: linked program invalid: %s", file, p->name, err);
    for (size_t r = 0; r < p->relo_cnt; r++) {
        const struct pbpf_object_relo *re = &p->relos[r];
        const struct pbpf_insn *in = &p->insns[re->insn_idx];
        CHECK(re->insn_idx < p->insn_cnt, "%s %s: relo past end", file, p->name);
        if (re->kind == PBPF_RELO_MAP || re->kind == PBPF_RELO_MAP_VALUE) {
            CHECK(in->code == 0x18 && (in->regs >> 4) == (re->kind == PBPF_RELO_MAP ? 5 : 6) &&
                      (uint32_t)in->imm == re->map_idx && re->map_idx < pbpf_object_map_cnt(o),
                  "%s %s insn %u: map reference form", file, p->name, re->insn_idx);
            if (re->kind == PBPF_RELO_MAP_VALUE)
                CHECK((uint32_t)in[1].imm == re->off &&
                          re->off < pbpf_object_map(o, re->map_idx)->value_size,
                      "%s %s insn %u: value offset %u", file, p->name, re->insn_idx, re->off);
        }
        if (re->kind == PBPF_RELO_FUNC_ADDR) {
            int64_t t = (int64_t)re->insn_idx + 1 + in->imm;
            CHECK(in->code == 0x18 && (in->regs >> 4) == 4 && t > 0 && (size_t)t < p->insn_cnt,
                  "%s %s insn %u: callback target %lld", file, p->name, re->insn_idx,
                  (long long)t);
        }
    }
    if (p->func_info_cnt) {
        CHECK(p->func_info[0].insn_idx == 0, "%s %s: first func_info at %u", file, p->name,
              p->func_info[0].insn_idx);
        for (size_t i = 1; i < p->func_info_cnt; i++)
            CHECK(p->func_info[i].insn_idx > p->func_info[i - 1].insn_idx &&
                      p->func_info[i].insn_idx < p->insn_cnt,
                  "%s %s: func_info %zu out of order", file, p->name, i);
        CHECK(p->line_info_cnt > 0 && p->line_info[0].insn_idx == 0, "%s %s: line info", file,
              p->name);
    }
}

static size_t count_relos(const struct pbpf_object_prog *p, uint32_t kind)
{
    size_t n = 0;
    for (size_t i = 0; i < p->relo_cnt; i++)
        n += p->relos[i].kind == kind;
    return n;
}

static void test_parse(const char *dir)
{
    static const char *const files[] = {"legacy_maps.bpf.o", "btf_maps.bpf.o",
                                        "global_data.bpf.o", "subprogs.bpf.o",
                                        "callbacks.bpf.o",   "sec_names.bpf.o",
                                        "core_reloc.bpf.o",  "iproute2_maps.bpf.o"};
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        void *buf;
        size_t len, idx, idx2;
        struct pbpf_object *o = open_obj(dir, files[f], &buf, &len);
        const struct pbpf_object_map *m, *m2;
        const struct pbpf_object_prog *p;
        if (!o) {
            free(buf);
            continue;
        }
        for (size_t i = 0; i < pbpf_object_prog_cnt(o); i++)
            check_prog_shape(files[f], o, pbpf_object_prog(o, i));

        if (f == 0) { /* legacy_maps.bpf.c */
            CHECK(pbpf_object_map_cnt(o) == 2, "legacy: %zu maps", pbpf_object_map_cnt(o));
            m = map_named(o, "legacy_hash", &idx);
            CHECK(m && m->kind == PBPF_OBJMAP_LEGACY && m->type == 1 && m->key_size == 4 &&
                      m->value_size == 8 && m->max_entries == 128 && m->map_flags == 1,
                  "legacy_hash definition");
            m2 = map_named(o, "legacy_array", &idx2);
            CHECK(m2 && m2->type == 2 && m2->key_size == 4 && m2->value_size == 16 &&
                      m2->max_entries == 4 && m2->map_flags == 0,
                  "legacy_array definition");
            CHECK(strcmp(pbpf_object_license(o), "Dual BSD/GPL") == 0, "license '%s'",
                  pbpf_object_license(o));
            CHECK(pbpf_object_kern_version(o) == 0x060100, "version 0x%x",
                  pbpf_object_kern_version(o));
            p = pbpf_object_prog_by_name(o, "count_packets");
            CHECK(p && p->prog_type == 1 && p->type_known, "socket program");
            if (p && m && m2) {
                size_t to_hash = 0, to_array = 0;
                for (size_t r = 0; r < p->relo_cnt; r++) {
                    to_hash += p->relos[r].kind == PBPF_RELO_MAP && p->relos[r].map_idx == idx;
                    to_array += p->relos[r].kind == PBPF_RELO_MAP && p->relos[r].map_idx == idx2;
                }
                /* the source uses legacy_hash twice, legacy_array once */
                CHECK(to_hash == 2 && to_array == 1, "map references %zu %zu", to_hash, to_array);
            }
        } else if (f == 1) { /* btf_maps.bpf.c */
            size_t ia, ib;
            m = map_named(o, "flows", NULL);
            CHECK(m && m->kind == PBPF_OBJMAP_BTF && m->type == 1 && m->key_size == 12 &&
                      m->value_size == 16 && m->max_entries == 1024 && m->map_flags == 1,
                  "flows definition");
            m = map_named(o, "pinned_stats", NULL);
            CHECK(m && m->type == 6 && m->key_size == 4 && m->value_size == 24 && m->pinning == 1,
                  "pinned_stats definition");
            m = map_named(o, "outer", NULL);
            CHECK(map_named(o, "inner_a", &ia) && map_named(o, "inner_b", &ib), "inner maps");
            CHECK(m && m->type == 12 && m->inner && m->inner->type == 2 &&
                      m->inner->max_entries == 2 && m->init_slot_cnt == 2,
                  "outer definition");
            if (m && m->init_slot_cnt == 2)
                CHECK(m->init_slots[0].slot == 0 && m->init_slots[0].target == ia &&
                          m->init_slots[1].slot == 2 && m->init_slots[1].target == ib,
                      "outer values");
            m = map_named(o, "jump_table", NULL);
            CHECK(m && m->type == 3 && m->init_slot_cnt == 2, "jump_table definition");
            if (m && m->init_slot_cnt == 2)
                CHECK(m->init_slots[0].slot == 1 &&
                          m->init_slots[0].target == prog_index(o, "tail_one") &&
                          m->init_slots[1].slot == 2 &&
                          m->init_slots[1].target == prog_index(o, "tail_two"),
                      "jump_table values");
            CHECK(pbpf_object_prog_cnt(o) == 3, "three xdp programs in one section");
            if (pbpf_object_has_btf(o)) {
                const struct pbpf_btf *btf = o->btf;
                int64_t id = pbpf_btf_find_by_name_kind(btf, "flow_key", PBPF_BTF_KIND_STRUCT);
                const struct pbpf_btf_member *mem;
                uint64_t bits, sz;
                CHECK(id > 0, "struct flow_key in BTF");
                CHECK(id > 0 && pbpf_btf_find_member(btf, (uint32_t)id, "dport", &mem, &bits) == 0 &&
                          bits == 80,
                      "flow_key.dport at bit 80");
                CHECK(id > 0 && pbpf_btf_type_size(btf, (uint32_t)id, &sz) == 0 && sz == 12,
                      "flow_key is 12 bytes");
            } else {
                CHECK(0, "btf_maps has no BTF");
            }
        } else if (f == 2) { /* global_data.bpf.c */
            const struct pbpf_object_map *bss = map_named(o, ".bss", &idx);
            const struct pbpf_object_map *d = map_named(o, ".data", NULL);
            const struct pbpf_object_map *c = map_named(o, ".data.custom", NULL);
            const struct pbpf_object_map *ro = map_named(o, ".rodata", NULL);
            const struct pbpf_object_map *s = map_named(o, ".rodata.str1.1", &idx2);
            const struct pbpf_object_map *k = map_named(o, ".kconfig", NULL);
            CHECK(bss && bss->value_size == 8 && bss->data == NULL && bss->map_flags == 0x400,
                  ".bss");
            CHECK(d && d->value_size == 4 && d->data && d->data[0] == 7, ".data holds counter = 7");
            CHECK(c && c->value_size == 4 && c->data && c->data[0] == 3, ".data.custom = 3");
            CHECK(ro && ro->map_flags == 0x480, ".rodata read-only");
            CHECK(s && s->data && find_bytes(s->data, s->data_size, "literal %u\n", 12),
                  "string literal in .rodata.str1.1");
            CHECK(k && k->kind == PBPF_OBJMAP_KCONFIG, ".kconfig map");
            CHECK(pbpf_object_extern_cnt(o) == 2, "%zu externs", pbpf_object_extern_cnt(o));
            for (size_t i = 0; i < pbpf_object_extern_cnt(o); i++) {
                const struct pbpf_object_extern *e = pbpf_object_extern(o, i);
                if (strcmp(e->name, "LINUX_KERNEL_VERSION") == 0)
                    CHECK(e->is_kconfig && e->size == 4 && !e->is_weak, "LINUX_KERNEL_VERSION");
                else
                    CHECK(strcmp(e->name, "CONFIG_BPF_SYSCALL") == 0 && e->is_kconfig &&
                              e->size == 1 && e->is_weak,
                          "extern %s", e->name);
            }
            p = pbpf_object_prog_by_name(o, "trace_write");
            CHECK(p && p->prog_type == 5 && strcmp(p->attach_target, "syscalls/sys_enter_write") == 0,
                  "tracepoint program");
            if (p && bss && s) {
                size_t to_bss = 0, to_str = 0;
                for (size_t r = 0; r < p->relo_cnt; r++) {
                    to_bss += p->relos[r].kind == PBPF_RELO_MAP_VALUE && p->relos[r].map_idx == idx &&
                              p->relos[r].off == 0;
                    to_str += p->relos[r].kind == PBPF_RELO_MAP_VALUE &&
                              p->relos[r].map_idx == idx2;
                }
                CHECK(to_bss >= 1 && to_str == 1, "data references %zu %zu", to_bss, to_str);
            }
        } else if (f == 3) { /* subprogs.bpf.c */
            const struct pbpf_object_prog *a = pbpf_object_prog_by_name(o, "cls_a");
            const struct pbpf_object_prog *b = pbpf_object_prog_by_name(o, "cls_b");
            const struct pbpf_object_prog *c = pbpf_object_prog_by_name(o, "cls_plain");
            CHECK(pbpf_object_prog_cnt(o) == 3, "three programs, .text not one of them");
            /* cls_a -> sum_squares -> square (twice: one copy); cls_b ->
             * twice, square */
            CHECK(a && a->func_info_cnt == 3 && count_relos(a, PBPF_RELO_CALL) == 3,
                  "cls_a calls");
            CHECK(b && b->func_info_cnt == 3 && count_relos(b, PBPF_RELO_CALL) == 2,
                  "cls_b calls");
            CHECK(c && c->func_info_cnt == 1 && c->insn_cnt == c->sec_insn_cnt &&
                      c->relo_cnt == 0,
                  "cls_plain alone");
            CHECK(a && a->line_info_cnt && strstr(a->line_info[0].file, "subprogs.bpf.c") &&
                      strstr(a->line_info[0].line, "sum_squares(skb->len"),
                  "line info names the source");
        } else if (f == 4) { /* callbacks.bpf.c */
            const struct pbpf_object_prog *l = pbpf_object_prog_by_name(o, "loop_sum");
            const struct pbpf_object_prog *s = pbpf_object_prog_by_name(o, "map_sum");
            CHECK(l && count_relos(l, PBPF_RELO_FUNC_ADDR) == 1 && l->func_info_cnt == 2,
                  "loop_sum callback");
            CHECK(s && count_relos(s, PBPF_RELO_FUNC_ADDR) == 2 && s->func_info_cnt == 3 &&
                      count_relos(s, PBPF_RELO_MAP) == 1,
                  "map_sum callbacks");
        } else if (f == 5) { /* sec_names.bpf.c */
            p = pbpf_object_prog_by_name(o, "tail_slot");
            CHECK(p && !p->type_known && p->prog_type == 0, "iproute2 '2/1' is unknown");
            p = pbpf_object_prog_by_name(o, "cilium_from_netdev");
            CHECK(p && !p->type_known, "'from-netdev' is unknown");
            p = pbpf_object_prog_by_name(o, "legacy_xdp");
            CHECK(p && p->type_known && p->prog_type == 6, "'xdp_prog' is XDP");
            p = pbpf_object_prog_by_name(o, "fexit_s");
            CHECK(p && p->sleepable && p->expected_attach_type == 25 &&
                      strcmp(p->attach_target, "do_nanosleep") == 0,
                  "fexit.s");
            CHECK(pbpf_object_prog_cnt(o) == 28, "%zu programs", pbpf_object_prog_cnt(o));
        } else if (f == 7) { /* iproute2_maps.bpf.c: 36-byte definitions */
            m = map_named(o, "jmp_tc", &idx);
            CHECK(m && m->kind == PBPF_OBJMAP_LEGACY && m->type == 3 && m->key_size == 4 &&
                      m->value_size == 4 && m->max_entries == 2 && m->pinning == 2,
                  "jmp_tc definition");
            m2 = map_named(o, "counts", &idx2);
            CHECK(m2 && m2->type == 2 && m2->value_size == 8 && m2->max_entries == 1 &&
                      m2->pinning == 0,
                  "counts definition");
            p = pbpf_object_prog_by_name(o, "tail_count");
            CHECK(p && !p->type_known && strcmp(p->section, "1/0") == 0, "tail-call slot section");
            CHECK(p && count_relos(p, PBPF_RELO_MAP) == 1 && p->relos[0].map_idx == idx2,
                  "tail_count uses counts");
            p = pbpf_object_prog_by_name(o, "cls_entry");
            CHECK(p && p->type_known && p->prog_type == 3 && count_relos(p, PBPF_RELO_MAP) == 1 &&
                      p->relos[0].map_idx == idx,
                  "cls_entry tail-calls through jmp_tc");
        } else if (f == 6) { /* core_reloc.bpf.c: one record per builtin */
            unsigned kinds = 0;
            p = pbpf_object_prog_by_name(o, "read_tgid");
            CHECK(p && p->core_relo_cnt == 5, "CO-RE records");
            for (size_t i = 0; p && i < p->core_relo_cnt; i++) {
                const struct pbpf_object_core_relo *c = &p->core_relos[i];
                const struct pbpf_btf_type *t = pbpf_btf_type_by_id(o->btf, c->type_id);
                kinds |= 1u << c->kind;
                CHECK(c->insn_idx < p->insn_cnt && t, "record %zu", i);
                if (c->kind == PBPF_CORE_FIELD_BYTE_OFFSET)
                    CHECK(strcmp(c->access, "0:1") == 0 &&
                              strcmp(pbpf_btf_name(o->btf, t), "task_struct") == 0,
                          "tgid is member 1 of task_struct: '%s'", c->access);
            }
            CHECK(kinds == (1u << PBPF_CORE_FIELD_BYTE_OFFSET | 1u << PBPF_CORE_FIELD_EXISTS |
                            1u << PBPF_CORE_TYPE_EXISTS | 1u << PBPF_CORE_TYPE_SIZE |
                            1u << PBPF_CORE_ENUMVAL_VALUE),
                  "kinds 0x%x", kinds);
        }
        pbpf_object_close(o);
        free(buf);
    }
}

/* ------------------------------------------------------------ malformed */

static int try_open(const uint8_t *b, size_t n, char *log, size_t log_size)
{
    struct pbpf_object *o = NULL;
    PBPF_OPTS(pbpf_object_opts, opts, .log_buf = log, .log_size = log_size);
    int rc = pbpf_object_open_mem(b, n, &opts, &o);
    pbpf_object_close(o);
    return rc;
}

/* Sanitized builds are ~30x slower: there each byte gets two variants. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* Each byte of [from, to) set to 0x00, 0xff, 0x7f and flipped in its low
 * bit (thorough: 4 variants) or to 0xff and flipped only. */
static void corrupt_range(const char *file, const uint8_t *orig, size_t len, size_t from, size_t to,
                          int thorough)
{
    uint8_t *b = malloc(len);
    char log[256];
    static const uint8_t vals[] = {0xff, 0x00, 0x7f};
    size_t nvals = thorough && !SANITIZED ? sizeof(vals) : 1;
    if (!b)
        return;
    memcpy(b, orig, len);
    for (size_t i = from; i < to && i < len; i++)
        for (size_t k = 0; k <= nvals; k++) {
            int rc;
            b[i] = k < nvals ? vals[k] : (uint8_t)(orig[i] ^ 0x01);
            if (b[i] == orig[i])
                continue;
            log[0] = 0;
            rc = try_open(b, len, log, sizeof(log));
            CHECK(rc == 0 || (rc < 0 && log[0]), "%s byte 0x%zx = %02x: %d without message", file,
                  i, b[i], rc);
            b[i] = orig[i];
        }
    free(b);
}

static size_t sec_file_off(const struct pbpf_object *o, const char *name, size_t *size)
{
    for (size_t i = 0; i < o->sec_cnt; i++)
        if (strcmp(o->secs[i].name, name) == 0 && o->secs[i].data) {
            *size = (size_t)o->secs[i].size;
            return (size_t)(o->secs[i].data - o->image);
        }
    *size = 0;
    return 0;
}

static void expect_error(const char *what, uint8_t *b, size_t len, int code, const char *msg)
{
    char log[256] = "";
    int rc = try_open(b, len, log, sizeof(log));
    CHECK(rc == code && strstr(log, msg), "%s: %d '%s' (want %d, '%s')", what, rc, log, code, msg);
}

static void test_malformed(const char *dir, const char *only)
{
    static const char *const files[] = {"legacy_maps.bpf.o", "btf_maps.bpf.o",
                                        "global_data.bpf.o", "subprogs.bpf.o",
                                        "callbacks.bpf.o",   "core_reloc.bpf.o",
                                        "iproute2_maps.bpf.o"};
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        if (only && strcmp(only, files[f]) != 0)
            continue;
        void *buf;
        size_t len, off, size, shoff;
        struct pbpf_object *o = open_obj(dir, files[f], &buf, &len);
        uint8_t *b;
        char log[256];
        if (!o) {
            free(buf);
            continue;
        }
        b = malloc(len);
        /* section headers are at the end: any truncation loses some.
         * Every length inside the ELF header and the section headers,
         * a stride elsewhere. */
        memcpy(&shoff, (uint8_t *)buf + 40, 8);
        for (size_t n = 0; n < len; n += (n < 128 || (n >= shoff && !SANITIZED)) ? 1 : 29) {
            log[0] = 0;
            int rc = try_open(buf, n, log, sizeof(log));
            CHECK(rc < 0 && log[0], "%s truncated to %zu: %d", files[f], n, rc);
        }
        corrupt_range(files[f], buf, len, 0, 64, 1);
        corrupt_range(files[f], buf, len, shoff, len, 1);
        off = sec_file_off(o, ".symtab", &size);
        corrupt_range(files[f], buf, len, off, off + size, 1);
        off = sec_file_off(o, ".BTF", &size);
        corrupt_range(files[f], buf, len, off, off + size, 0);
        off = sec_file_off(o, ".BTF.ext", &size);
        corrupt_range(files[f], buf, len, off, off + (size < 256 ? size : 256), 0);
        for (size_t i = 0; i < o->sec_cnt; i++)
            if (o->secs[i].type == PBPF_SHT_REL && strncmp(o->secs[i].name, ".rel.debug", 10)) {
                off = (size_t)(o->secs[i].data - o->image);
                corrupt_range(files[f], buf, len, off, off + (size_t)o->secs[i].size, 1);
            }
        off = sec_file_off(o, ".maps", &size);
        corrupt_range(files[f], buf, len, off, off + size, 1);
        off = sec_file_off(o, "maps", &size);
        corrupt_range(files[f], buf, len, off, off + size, 1);

        /* targeted: the message names what is wrong and where */
        memcpy(b, buf, len);
        b[18] = 62; /* EM_X86_64 */
        expect_error("e_machine", b, len, -ENOTSUP, "machine");
        memcpy(b, buf, len);
        b[5] = 2;
        expect_error("big-endian", b, len, -ENOTSUP, "little-endian");
        memcpy(b, buf, len);
        b[40] = 0xf8, b[41] = 0xff, b[42] = 0xff;
        expect_error("e_shoff", b, len, -EINVAL, "section headers");
        off = sec_file_off(o, ".symtab", &size);
        memcpy(b, buf, len);
        b[off + 24 + 6] = 0x00, b[off + 24 + 7] = 0x70; /* symbol 1's section 0x7000 */
        expect_error("symbol section", b, len, -EINVAL, ".symtab");
        off = sec_file_off(o, ".BTF", &size);
        if (size) {
            memcpy(b, buf, len);
            b[off] ^= 0xff;
            expect_error("BTF magic", b, len, -EINVAL, ".BTF");
        }
        for (size_t i = 0; i < o->sec_cnt; i++) {
            const struct pbpf_elf_sec *s = &o->secs[i];
            if (s->type != PBPF_SHT_REL || s->info >= o->sec_cnt ||
                !(o->secs[s->info].flags & PBPF_SHF_EXECINSTR) || !s->size)
                continue;
            off = (size_t)(s->data - o->image);
            memcpy(b, buf, len);
            b[off + 12] = 0xff, b[off + 13] = 0xff; /* symbol index 0xffff */
            expect_error("relocation symbol", b, len, -EINVAL, s->name);
            memcpy(b, buf, len);
            b[off + 0] |= 0x3; /* offset inside an instruction */
            expect_error("relocation offset", b, len, -EINVAL, "offset");
        }
        free(b);
        pbpf_object_close(o);
        free(buf);
    }
}

/* ---------------------------------------------------------------- dump */

static int dump(const char *path)
{
    size_t len;
    void *buf = read_file(path, &len);
    struct pbpf_object *o = NULL;
    char log[256] = "";
    PBPF_OPTS(pbpf_object_opts, opts, .log_buf = log, .log_size = sizeof(log));
    int rc;
    if (!buf)
        return 1;
    rc = pbpf_object_open_mem(buf, len, &opts, &o);
    if (rc) {
        printf("error %d: %s\n", rc, log);
        free(buf);
        return 1;
    }
    printf("license '%s' version 0x%x btf %d\n", pbpf_object_license(o),
           pbpf_object_kern_version(o), pbpf_object_has_btf(o));
    for (size_t i = 0; i < pbpf_object_map_cnt(o); i++) {
        const struct pbpf_object_map *m = pbpf_object_map(o, i);
        printf("map %zu %s kind %u type %u key %u value %u max %u flags 0x%x pin %u slots %zu%s\n",
               i, m->name, m->kind, m->type, m->key_size, m->value_size, m->max_entries,
               m->map_flags, m->pinning, m->init_slot_cnt, m->inner ? " inner" : "");
    }
    for (size_t i = 0; i < pbpf_object_extern_cnt(o); i++) {
        const struct pbpf_object_extern *e = pbpf_object_extern(o, i);
        printf("extern %s func %d kconfig %d off %u size %u\n", e->name, e->is_func, e->is_kconfig,
               e->off, e->size);
    }
    for (size_t i = 0; i < pbpf_object_prog_cnt(o); i++) {
        const struct pbpf_object_prog *p = pbpf_object_prog(o, i);
        printf("prog %s sec %s type %u(%s) attach %u known %d insns %zu (own %zu) relos %zu func "
               "%zu line %zu core %zu\n",
               p->name, p->section, p->prog_type,
               pbpf_prog_type_name(p->prog_type) ? pbpf_prog_type_name(p->prog_type) : "?",
               p->expected_attach_type, p->type_known, p->insn_cnt, p->sec_insn_cnt, p->relo_cnt,
               p->func_info_cnt, p->line_info_cnt, p->core_relo_cnt);
        for (size_t k = 0; k < p->insn_cnt; k++)
            printf("  %4zu: code %02x dst r%u src %u off %d imm %d\n", k, p->insns[k].code,
                   p->insns[k].regs & 15, p->insns[k].regs >> 4, p->insns[k].off, p->insns[k].imm);
    }
    pbpf_object_close(o);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "btf") == 0)
        test_btf();
    else if (argc >= 2 && strcmp(argv[1], "secnames") == 0)
        test_secnames();
    else if (argc >= 3 && strcmp(argv[1], "parse") == 0)
        test_parse(argv[2]);
    else if (argc >= 3 && strcmp(argv[1], "malformed") == 0)
        test_malformed(argv[2], argc >= 4 ? argv[3] : NULL);
    else if (argc >= 3 && strcmp(argv[1], "dump") == 0)
        return dump(argv[2]);
    else {
        fprintf(stderr, "usage: %s btf|secnames|parse DIR|malformed DIR|dump OBJ\n", argv[0]);
        return 2;
    }
    if (test_failures)
        fprintf(stderr, "%d checks failed\n", test_failures);
    else
        printf("ok\n");
    return test_failures ? 1 : 0;
}
