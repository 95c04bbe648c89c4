/* Differential test of the object parser against libbpf, Linux's reference
 * loader.
 *   open OBJ...  programs (names, sections, own instruction counts, program
 *                and attach types) and maps (type, sizes, entries, flags,
 *                inner map) as bpf_object__open() sees them.
 *   load OBJ...  the final instructions of every program after libbpf has
 *                linked subprograms and loaded them into the kernel: ours
 *                must be the same, with map references in index form.
 *                Needs bpf() (root on Linux); exits 77 (skip) without it. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <unistd.h>

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
                int src = a->regs >> 4;
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
    if (argc < 3 || (strcmp(argv[1], "open") && strcmp(argv[1], "load"))) {
        fprintf(stderr, "usage: %s open|load OBJ...\n", argv[0]);
        return 2;
    }
    libbpf_set_print(quiet_print);
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
