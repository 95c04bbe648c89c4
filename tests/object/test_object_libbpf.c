/* Differential test of the object parser against libbpf, Linux's reference
 * loader.
 *   open OBJ...  programs (names, sections, own instruction counts, program
 *                and attach types) and maps (type, sizes, entries, flags,
 *                inner map) as bpf_object__open() sees them.
 *   load OBJ...  the final instructions of every program after libbpf has
 *                linked subprograms and loaded them into the kernel: ours
 *                must be the same, with map references in index form.
 *                Needs bpf() (root on Linux); exits 77 (skip) without it.
 *   core OBJ BTF CO-RE records of OBJ resolved against the raw BTF file
 *                (the running kernel's) must give the values libbpf patched
 *                into the instructions it loaded.  Needs bpf(), else 77.
 *   btf FILE     a raw BTF file (the kernel's /sys/kernel/btf/vmlinux):
 *                every type as libbpf's btf__parse_raw() reads it. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <unistd.h>

#include "btf/btf.h"
#include "elf/elf.h"
#include "pbpf/object.h"
#include "test_util.h"

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level;
    (void)fmt;
    (void)ap;
    return 0;
}

/* libbpf names global-data maps "<object prefix>.rodata"; ours are the
 * section names. */
static const struct pbpf_object_map *our_map(const struct pbpf_object *o, const char *lname)
{
    for (size_t i = 0; i < pbpf_object_map_cnt(o); i++) {
        const struct pbpf_object_map *m = pbpf_object_map(o, i);
        size_t ln = strlen(lname), mn = strlen(m->name);
        if (strcmp(m->name, lname) == 0)
            return m;
        if ((m->kind == PBPF_OBJMAP_DATA || m->kind == PBPF_OBJMAP_KCONFIG) && ln >= mn &&
            strcmp(lname + ln - mn, m->name) == 0)
            return m;
    }
    return NULL;
}

static void compare_map(const char *file, const struct bpf_map *lm, const struct pbpf_object_map *m)
{
    const char *n = bpf_map__name(lm);
    CHECK(m->type == (uint32_t)bpf_map__type(lm), "%s map %s: type %u vs libbpf %d", file, n,
          m->type, bpf_map__type(lm));
    CHECK(m->key_size == bpf_map__key_size(lm), "%s map %s: key %u vs %u", file, n, m->key_size,
          bpf_map__key_size(lm));
    CHECK(m->value_size == bpf_map__value_size(lm), "%s map %s: value %u vs %u", file, n,
          m->value_size, bpf_map__value_size(lm));
    CHECK(m->max_entries == bpf_map__max_entries(lm), "%s map %s: max %u vs %u", file, n,
          m->max_entries, bpf_map__max_entries(lm));
    CHECK(m->map_flags == bpf_map__map_flags(lm), "%s map %s: flags 0x%x vs 0x%x", file, n,
          m->map_flags, bpf_map__map_flags(lm));
    CHECK(m->numa_node == bpf_map__numa_node(lm), "%s map %s: numa %u vs %u", file, n, m->numa_node,
          bpf_map__numa_node(lm));
    if (m->kind == PBPF_OBJMAP_BTF) {
        CHECK(m->btf_key_type_id == bpf_map__btf_key_type_id(lm), "%s map %s: key type %u vs %u",
              file, n, m->btf_key_type_id, bpf_map__btf_key_type_id(lm));
        CHECK(m->btf_value_type_id == bpf_map__btf_value_type_id(lm),
              "%s map %s: value type %u vs %u", file, n, m->btf_value_type_id,
              bpf_map__btf_value_type_id(lm));
    }
}

static int compare_open(const char *path, int load)
{
    size_t len;
    void *buf = read_file(path, &len);
    struct pbpf_object *o = NULL;
    struct bpf_object *lo;
    struct bpf_program *lp;
    struct bpf_map *lm;
    char log[256] = "";
    PBPF_OPTS(pbpf_object_opts, opts, .log_buf = log, .log_size = sizeof(log));
    size_t n = 0;
    int rc;

    if (!buf) {
        CHECK(0, "cannot read %s", path);
        return 0;
    }
    rc = pbpf_object_open_mem(buf, len, &opts, &o);
    CHECK(rc == 0, "%s: open: %d %s", path, rc, log);
    lo = bpf_object__open_mem(buf, len, NULL);
    CHECK(lo != NULL, "%s: libbpf cannot open it", path);
    if (rc || !lo)
        goto out;

    bpf_object__for_each_program(lp, lo)
    {
        const struct pbpf_object_prog *p = pbpf_object_prog_by_name(o, bpf_program__name(lp));
        enum bpf_prog_type lt;
        enum bpf_attach_type la;
        n++;
        CHECK(p != NULL, "%s: no program %s", path, bpf_program__name(lp));
        if (!p)
            continue;
        CHECK(strcmp(p->section, bpf_program__section_name(lp)) == 0, "%s %s: section %s vs %s",
              path, p->name, p->section, bpf_program__section_name(lp));
        CHECK(p->sec_insn_cnt == bpf_program__insn_cnt(lp), "%s %s: %zu insns vs %zu", path,
              p->name, p->sec_insn_cnt, bpf_program__insn_cnt(lp));
        /* libbpf 1.1 predates some names (tcx/...); compare where it knows */
        if (libbpf_prog_type_by_name(p->section, &lt, &la) == 0) {
            CHECK(p->type_known, "%s %s: type unknown but libbpf knows it", path, p->name);
            CHECK(p->prog_type == (uint32_t)bpf_program__type(lp), "%s %s: type %u vs %d", path,
                  p->name, p->prog_type, bpf_program__type(lp));
            CHECK(p->expected_attach_type == (uint32_t)bpf_program__expected_attach_type(lp),
                  "%s %s: attach %u vs %d", path, p->name, p->expected_attach_type,
                  bpf_program__expected_attach_type(lp));
        }
    }
    CHECK(n == pbpf_object_prog_cnt(o), "%s: %zu programs vs libbpf %zu", path,
          pbpf_object_prog_cnt(o), n);

    n = 0;
    bpf_object__for_each_map(lm, lo)
    {
        const struct pbpf_object_map *m = our_map(o, bpf_map__name(lm));
        n++;
        CHECK(m != NULL, "%s: no map %s", path, bpf_map__name(lm));
        if (!m)
            continue;
        compare_map(path, lm, m);
        if (bpf_map__inner_map(lm)) {
            CHECK(m->inner != NULL, "%s map %s: no inner map", path, m->name);
            if (m->inner)
                compare_map(path, bpf_map__inner_map(lm), m->inner);
        }
    }
    CHECK(n == pbpf_object_map_cnt(o), "%s: %zu maps vs libbpf %zu", path, pbpf_object_map_cnt(o),
          n);

    if (load) {
        /* pinning needs a mounted bpffs and would outlive the test */
        bpf_object__for_each_map(lm, lo) bpf_map__set_pin_path(lm, NULL);
        rc = bpf_object__load(lo);
        CHECK(rc == 0, "%s: libbpf load failed: %d", path, rc);
        if (rc)
            goto out;
        bpf_object__for_each_program(lp, lo)
        {
            const struct pbpf_object_prog *p = pbpf_object_prog_by_name(o, bpf_program__name(lp));
            const struct bpf_insn *li = bpf_program__insns(lp);
            size_t cnt = bpf_program__insn_cnt(lp);
            if (!p)
                continue;
            CHECK(p->insn_cnt == cnt, "%s %s: linked %zu insns vs libbpf %zu", path, p->name,
                  p->insn_cnt, cnt);
            for (size_t i = 0; i < cnt && i < p->insn_cnt; i++) {
                const struct pbpf_insn *a = &p->insns[i];
                const struct bpf_insn *b = &li[i];
                int src = a->regs >> 4, core = 0;
                /* CO-RE patched these for the running kernel: compared by
                 * the `core` mode instead */
                for (size_t c = 0; c < p->core_relo_cnt; c++)
                    core |= p->core_relos[c].insn_idx == i;
                if (core) {
                    CHECK(a->code == b->code, "%s %s insn %zu: CO-RE insn %02x vs %02x", path,
                          p->name, i, a->code, b->code);
                    continue;
                }
                CHECK(a->code == b->code && (a->regs & 15) == b->dst_reg && a->off == b->off,
                      "%s %s insn %zu: %02x/%02x vs %02x", path, p->name, i, a->code, a->regs,
                      b->code);
                if (b->code == (BPF_LD | BPF_IMM | BPF_DW) &&
                    (b->src_reg == BPF_PSEUDO_MAP_FD || b->src_reg == BPF_PSEUDO_MAP_VALUE)) {
                    /* libbpf put a map fd in; we put the map's index */
                    const struct pbpf_object_map *m = pbpf_object_map(o, (size_t)a->imm);
                    struct bpf_map *bm = NULL, *it;
                    bpf_object__for_each_map(it, lo) if (bpf_map__fd(it) == b->imm) bm = it;
                    CHECK(src == (b->src_reg == BPF_PSEUDO_MAP_FD ? 5 : 6),
                          "%s %s insn %zu: src %d vs libbpf %d", path, p->name, i, src,
                          b->src_reg);
                    CHECK(m && bm && our_map(o, bpf_map__name(bm)) == m,
                          "%s %s insn %zu: map %d is not libbpf's %s", path, p->name, i, a->imm,
                          bm ? bpf_map__name(bm) : "?");
                    CHECK(p->insns[i + 1].imm == li[i + 1].imm,
                          "%s %s insn %zu: offset %d vs %d", path, p->name, i, p->insns[i + 1].imm,
                          li[i + 1].imm);
                    i++;
                    continue;
                }
                CHECK(src == b->src_reg && a->imm == b->imm, "%s %s insn %zu: src %d imm %d vs %d %d",
                      path, p->name, i, src, a->imm, b->src_reg, b->imm);
            }
        }
    }
out:
    bpf_object__close(lo);
    pbpf_object_close(o);
    free(buf);
    return 0;
}

static int compare_btf(const char *path)
{
    size_t len;
    void *buf = read_file(path, &len);
    struct pbpf_btf *ours = NULL;
    struct btf *theirs;
    char err[256] = "";
    int rc;
    if (!buf) {
        printf("SKIP: cannot read %s\n", path);
        return 77;
    }
    rc = pbpf_btf_parse(buf, len, &ours, err, sizeof(err));
    CHECK(rc == 0, "%s: %d %s", path, rc, err);
    theirs = btf__parse_raw(path);
    CHECK(theirs != NULL, "libbpf cannot parse %s", path);
    if (ours && theirs) {
        uint32_t n = btf__type_cnt(theirs);
        CHECK(pbpf_btf_type_cnt(ours) == n, "%u types vs libbpf %u", pbpf_btf_type_cnt(ours), n);
        for (uint32_t id = 1; id < n && id < pbpf_btf_type_cnt(ours) && test_failures < 20; id++) {
            const struct btf_type *b = btf__type_by_id(theirs, id);
            const struct pbpf_btf_type *a = pbpf_btf_type_by_id(ours, id);
            uint64_t sz;
            CHECK(a->info == b->info && a->size_type == b->size &&
                      strcmp(pbpf_btf_name(ours, a), btf__name_by_offset(theirs, b->name_off)) == 0,
                  "type %u differs", id);
            if (btf_is_composite(b) || btf_is_int(b) || btf_is_array(b) || btf_is_typedef(b)) {
                long long want = btf__resolve_size(theirs, id);
                int got = pbpf_btf_type_size(ours, id, &sz);
                CHECK(want < 0 ? got < 0 : (got == 0 && (long long)sz == want),
                      "type %u: size %d/%llu vs libbpf %lld", id, got,
                      got ? 0ull : (unsigned long long)sz, want);
            }
        }
        /* a well-known lookup: task_struct's pid, and its offset */
        {
            int64_t ts = pbpf_btf_find_by_name_kind(ours, "task_struct", PBPF_BTF_KIND_STRUCT);
            const struct pbpf_btf_member *m;
            uint64_t bits;
            CHECK(ts > 0 && ts == btf__find_by_name_kind(theirs, "task_struct", BTF_KIND_STRUCT),
                  "task_struct id %lld", (long long)ts);
            if (ts > 0 && pbpf_btf_find_member(ours, (uint32_t)ts, "pid", &m, &bits) == 0) {
                const struct btf_type *t = btf__type_by_id(theirs, (uint32_t)ts);
                const struct btf_member *bm = btf_members(t);
                for (unsigned i = 0; i < btf_vlen(t); i++)
                    if (strcmp(btf__name_by_offset(theirs, bm[i].name_off), "pid") == 0)
                        CHECK(bits == btf_member_bit_offset(t, i), "pid at bit %llu vs %u",
                              (unsigned long long)bits, btf_member_bit_offset(t, i));
            } else if (ts > 0) {
                CHECK(0, "task_struct.pid not found");
            }
        }
    }
    btf__free(theirs);
    pbpf_btf_free(ours);
    free(buf);
    return 0;
}

static int compare_core(const char *obj_path, const char *btf_path)
{
    size_t len, blen;
    void *buf = read_file(obj_path, &len), *bbuf = read_file(btf_path, &blen);
    struct pbpf_object *o = NULL;
    struct pbpf_btf *target = NULL;
    struct bpf_object *lo = NULL;
    struct bpf_program *lp;
    char err[256] = "";
    size_t checked = 0;
    int rc;

    if (!buf || !bbuf) {
        free(buf);
        free(bbuf);
        printf("SKIP: cannot read %s or %s\n", obj_path, btf_path);
        return 77;
    }
    CHECK(pbpf_object_open_mem(buf, len, NULL, &o) == 0, "%s: open", obj_path);
    rc = pbpf_btf_parse(bbuf, blen, &target, err, sizeof(err));
    CHECK(rc == 0, "%s: %s", btf_path, err);
    lo = bpf_object__open_mem(buf, len, NULL);
    CHECK(lo && bpf_object__load(lo) == 0, "%s: libbpf load", obj_path);
    if (!o || !target || !lo || test_failures)
        goto out;
    bpf_object__for_each_program(lp, lo)
    {
        const struct pbpf_object_prog *p = pbpf_object_prog_by_name(o, bpf_program__name(lp));
        const struct bpf_insn *li = bpf_program__insns(lp);
        if (!p)
            continue;
        CHECK(p->core_relo_cnt > 0, "%s: no CO-RE records", p->name);
        for (size_t i = 0; i < p->core_relo_cnt; i++) {
            const struct pbpf_object_core_relo *c = &p->core_relos[i];
            const struct bpf_insn *in = &li[c->insn_idx];
            struct pbpf_core_result res;
            int cls = in->code & 7;
            int64_t patched = (cls == BPF_LDX || cls == BPF_ST || cls == BPF_STX) ? in->off
                                                                                : in->imm;
            err[0] = 0;
            rc = pbpf_core_resolve(o->btf, c->type_id, c->access, c->kind, target, &res, err,
                                   sizeof(err));
            CHECK(rc == 0 && res.exists && (int64_t)res.value == patched,
                  "%s insn %u kind %u access %s: %d %s value %llu, libbpf patched %lld", p->name,
                  c->insn_idx, c->kind, c->access, rc, err, (unsigned long long)res.value,
                  (long long)patched);
            checked++;
        }
    }
    CHECK(checked >= 5, "%zu CO-RE records checked", checked);
out:
    bpf_object__close(lo);
    pbpf_btf_free(target);
    pbpf_object_close(o);
    free(buf);
    free(bbuf);
    return 0;
}

static int have_bpf(void)
{
    /* a one-entry array: the cheapest proof that bpf() works here */
    int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

int main(int argc, char **argv)
{
    int load;
    if (argc < 3 || (strcmp(argv[1], "open") && strcmp(argv[1], "load") && strcmp(argv[1], "btf") &&
                     strcmp(argv[1], "core"))) {
        fprintf(stderr, "usage: %s open|load OBJ... | btf FILE\n", argv[0]);
        return 2;
    }
    libbpf_set_print(quiet_print);
    if (strcmp(argv[1], "btf") == 0) {
        int rc = compare_btf(argv[2]);
        if (rc == 77)
            return 77;
        if (test_failures)
            fprintf(stderr, "%d checks failed\n", test_failures);
        return test_failures ? 1 : 0;
    }
    if (strcmp(argv[1], "core") == 0 && argc == 4) {
        int rc;
        if (!have_bpf()) {
            printf("SKIP: bpf() is not available here (needs Linux and root)\n");
            return 77;
        }
        rc = compare_core(argv[2], argv[3]);
        if (rc == 77)
            return 77;
        if (test_failures)
            fprintf(stderr, "%d checks failed\n", test_failures);
        return test_failures ? 1 : 0;
    }
    load = strcmp(argv[1], "load") == 0;
    if (load && !have_bpf()) {
        printf("SKIP: bpf() is not available here (needs Linux and root)\n");
        return 77;
    }
    for (int i = 2; i < argc; i++)
        compare_open(argv[i], load);
    if (test_failures)
        fprintf(stderr, "%d checks failed\n", test_failures);
    return test_failures ? 1 : 0;
}
