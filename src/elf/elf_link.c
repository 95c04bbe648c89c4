/* Programs: every FUNC of an executable section other than .text is an
 * entry point.  Each gets its own instruction array: its code, then every
 * function it reaches by bpf-to-bpf call or by taking its address (bpf_loop
 * callbacks), appended depth-first in the order the references appear —
 * the order libbpf uses, so instruction indexes match what Linux users see.
 * Relocations (spec/llvm-reloc.rst) become Linux's pseudo forms: calls and
 * callback addresses relative, maps as BPF_PSEUDO_MAP_IDX(_VALUE). */
#include <errno.h>
#include <string.h>

#include "elf/elf.h"
#include "isa/insn.h"
#include "platform/platform.h"

struct inst {
    size_t func; /* index in obj->funcs */
    size_t out;  /* first instruction in the program */
};

struct frame {
    size_t inst;
    size_t next; /* next instruction of the function to look at */
};

struct link {
    struct pbpf_object *obj;
    const char *prog;
    struct pbpf_insn *insns;
    size_t cnt, cap;
    struct inst *inst;
    size_t inst_cnt;
    struct frame *stack;
    size_t depth;
    struct pbpf_object_relo *relos;
    size_t relo_cnt, relo_cap;
};

static const struct pbpf_elf_xsec *xsec_of(const struct pbpf_object *obj, uint32_t sec)
{
    for (size_t i = 0; i < obj->xsec_cnt; i++)
        if (obj->xsecs[i].sec == sec)
            return &obj->xsecs[i];
    return NULL;
}

static const struct pbpf_elf_rel *rel_at(const struct pbpf_elf_xsec *x, size_t idx)
{
    size_t lo = 0, hi = x->rel_cnt;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->rels[mid].offset < idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < x->rel_cnt && x->rels[lo].offset == idx ? &x->rels[lo] : NULL;
}

/* The function of section sec containing instruction idx, or -1. */
static long func_at(const struct pbpf_object *obj, uint32_t sec, int64_t idx)
{
    size_t lo = 0, hi = obj->func_cnt;
    if (idx < 0)
        return -1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct pbpf_elf_func *f = &obj->funcs[mid];
        if (f->sec < sec || (f->sec == sec && f->start + f->cnt <= (uint64_t)idx))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < obj->func_cnt && obj->funcs[lo].sec == sec && obj->funcs[lo].start <= (uint64_t)idx &&
        (uint64_t)idx < obj->funcs[lo].start + obj->funcs[lo].cnt)
        return (long)lo;
    return -1;
}

static int add_relo(struct link *l, uint32_t insn, uint32_t kind, uint32_t map, uint32_t off,
                    const char *name)
{
    struct pbpf_object_relo *r;
    if (l->relo_cnt == l->relo_cap) {
        size_t cap = l->relo_cap ? 2 * l->relo_cap : 8;
        r = pbpf_realloc(l->relos, cap * sizeof(*r));
        if (!r)
            return -ENOMEM;
        l->relos = r;
        l->relo_cap = cap;
    }
    r = &l->relos[l->relo_cnt++];
    r->insn_idx = insn;
    r->kind = kind;
    r->map_idx = map;
    r->off = off;
    r->name = name;
    return 0;
}

/* Appends function fi to the program and schedules it for relocation. */
static int append_func(struct link *l, size_t fi)
{
    const struct pbpf_elf_func *f = &l->obj->funcs[fi];
    const struct pbpf_elf_xsec *x = xsec_of(l->obj, f->sec);
    if (!x || f->start + f->cnt > x->cnt)
        return pbpf_elf_err(l->obj, -EINVAL, "function '%s': outside its section",
                            l->obj->syms[f->sym].name);
    if (l->cnt + f->cnt > l->cap) {
        size_t cap = l->cap ? l->cap : 64;
        struct pbpf_insn *n;
        while (cap < l->cnt + f->cnt)
            cap *= 2;
        n = pbpf_realloc(l->insns, cap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        l->insns = n;
        l->cap = cap;
    }
    memcpy(l->insns + l->cnt, x->insns + f->start, f->cnt * sizeof(*l->insns));
    l->inst[l->inst_cnt].func = fi;
    l->inst[l->inst_cnt].out = l->cnt;
    l->stack[l->depth].inst = l->inst_cnt;
    l->stack[l->depth].next = 0;
    l->depth++;
    l->inst_cnt++;
    l->cnt += f->cnt;
    return 0;
}

/* Program index of instruction idx of section sec, appending its function
 * if this program does not have it yet. */
static int resolve_target(struct link *l, uint32_t sec, int64_t idx, size_t *out, const char *where,
                          size_t where_off)
{
    long fi = func_at(l->obj, sec, idx);
    int rc;
    if (fi < 0)
        return pbpf_elf_err(l->obj, -EINVAL,
                            "section '%s' offset 0x%zx: call or address of instruction %lld of "
                            "section '%s', which is in no function",
                            where, where_off, (long long)idx, l->obj->secs[sec].name);
    for (size_t i = 0; i < l->inst_cnt; i++)
        if (l->inst[i].func == (size_t)fi) {
            *out = l->inst[i].out + (size_t)(idx - (int64_t)l->obj->funcs[fi].start);
            return 0;
        }
    *out = l->cnt + (size_t)(idx - (int64_t)l->obj->funcs[fi].start);
    if ((rc = append_func(l, (size_t)fi)))
        return rc;
    return 0;
}

static const struct pbpf_object_extern *find_extern(const struct pbpf_object *obj, const char *n)
{
    for (size_t i = 0; i < obj->extern_cnt; i++)
        if (strcmp(obj->externs[i].name, n) == 0)
            return &obj->externs[i];
    return NULL;
}

static int is_exec(const struct pbpf_elf_sec *s)
{
    return s->type == PBPF_SHT_PROGBITS && (s->flags & PBPF_SHF_EXECINSTR);
}

/* lddw with a R_BPF_64_64 relocation: map, global data, callback or
 * extern.  pc is the program index of the first slot. */
static int reloc_lddw(struct link *l, size_t pc, const struct pbpf_elf_rel *rel, const char *sname,
                      size_t soff)
{
    struct pbpf_object *obj = l->obj;
    const struct pbpf_elf_sym *sym = &obj->syms[rel->sym];
    struct pbpf_insn *in = &l->insns[pc];
    int64_t off = (int64_t)sym->value + in[0].imm;
    int rc;

    if (rel->type != PBPF_R_BPF_64_64)
        return pbpf_elf_err(obj, -EINVAL, "section '%s' offset 0x%zx: relocation type %u on lddw",
                            sname, soff, rel->type);
    if (PBPF_INSN_SRC(in) != 0)
        return pbpf_elf_err(obj, -EINVAL,
                            "section '%s' offset 0x%zx: relocated lddw already has src %u", sname,
                            soff, PBPF_INSN_SRC(in));
    if (sym->shndx == PBPF_SHN_UNDEF) {
        const struct pbpf_object_extern *e = find_extern(obj, sym->name);
        if (!e || e->is_func)
            return pbpf_elf_err(obj, -ENOTSUP,
                                "section '%s' offset 0x%zx: address of extern '%s' is not supported",
                                sname, soff, sym->name);
        if (e->is_kconfig) {
            uint32_t voff = e->off + (uint32_t)in[0].imm;
            in[0].regs = PBPF_INSN_REGS(PBPF_INSN_DST(in), PBPF_PSEUDO_MAP_IDX_VALUE);
            in[0].imm = obj->kconfig_map;
            in[1].imm = (int32_t)voff;
            return add_relo(l, (uint32_t)pc, PBPF_RELO_MAP_VALUE, (uint32_t)obj->kconfig_map,
                            voff, sym->name);
        }
        /* a kernel variable (.ksyms): BPF_PSEUDO_BTF_ID once resolved */
        in[0].regs = PBPF_INSN_REGS(PBPF_INSN_DST(in), PBPF_PSEUDO_BTF_ID);
        in[0].imm = 0;
        in[1].imm = 0;
        return add_relo(l, (uint32_t)pc, PBPF_RELO_KSYM, 0, 0, sym->name);
    }
    if (sym->shndx >= obj->sec_cnt)
        return pbpf_elf_err(obj, -EINVAL,
                            "section '%s' offset 0x%zx: lddw of absolute symbol '%s'", sname, soff,
                            sym->name);
    if (is_exec(&obj->secs[sym->shndx])) {
        size_t target;
        if (off < 0 || off % 8)
            return pbpf_elf_err(obj, -EINVAL,
                                "section '%s' offset 0x%zx: function address 0x%llx not on an "
                                "instruction",
                                sname, soff, (long long)off);
        if ((rc = resolve_target(l, sym->shndx, off / 8, &target, sname, soff)))
            return rc;
        in = &l->insns[pc]; /* resolve_target may have moved the array */
        in[0].regs = PBPF_INSN_REGS(PBPF_INSN_DST(in), PBPF_PSEUDO_FUNC);
        in[0].imm = (int32_t)((int64_t)target - (int64_t)pc - 1);
        in[1].imm = 0;
        return add_relo(l, (uint32_t)pc, PBPF_RELO_FUNC_ADDR, 0, 0, sym->name);
    }
    for (size_t i = 0; i < obj->map_cnt; i++) {
        const struct pbpf_elf_map_loc *loc = &obj->map_locs[i];
        const struct pbpf_object_map *m = &obj->maps[i];
        if (loc->sec != sym->shndx || m->kind == PBPF_OBJMAP_KCONFIG)
            continue;
        if (m->kind == PBPF_OBJMAP_DATA) {
            if (off < 0 || (uint64_t)off >= loc->size)
                return pbpf_elf_err(obj, -EINVAL,
                                    "section '%s' offset 0x%zx: offset %lld outside '%s'", sname,
                                    soff, (long long)off, m->name);
            in[0].regs = PBPF_INSN_REGS(PBPF_INSN_DST(in), PBPF_PSEUDO_MAP_IDX_VALUE);
            in[0].imm = (int32_t)i;
            in[1].imm = (int32_t)off;
            return add_relo(l, (uint32_t)pc, PBPF_RELO_MAP_VALUE, (uint32_t)i, (uint32_t)off,
                            sym->name);
        }
        if ((uint64_t)off == loc->off) {
            in[0].regs = PBPF_INSN_REGS(PBPF_INSN_DST(in), PBPF_PSEUDO_MAP_IDX);
            in[0].imm = (int32_t)i;
            in[1].imm = 0;
            return add_relo(l, (uint32_t)pc, PBPF_RELO_MAP, (uint32_t)i, 0, sym->name);
        }
    }
    return pbpf_elf_err(obj, -EINVAL,
                        "section '%s' offset 0x%zx: lddw of '%s' (section '%s' + 0x%llx) is "
                        "neither a map, global data nor a function",
                        sname, soff, sym->name, obj->secs[sym->shndx].name, (long long)off);
}

static int reloc_call(struct link *l, size_t pc, const struct pbpf_elf_func *f, size_t k,
                      const struct pbpf_elf_rel *rel, const char *sname, size_t soff)
{
    struct pbpf_object *obj = l->obj;
    struct pbpf_insn *in = &l->insns[pc];
    uint32_t tsec = f->sec;
    int64_t tidx;
    size_t target;
    const char *name = NULL;
    int rc;

    if (rel) {
        const struct pbpf_elf_sym *sym = &obj->syms[rel->sym];
        if (rel->type != PBPF_R_BPF_64_32)
            return pbpf_elf_err(obj, -EINVAL,
                                "section '%s' offset 0x%zx: relocation type %u on a call", sname,
                                soff, rel->type);
        if (sym->shndx == PBPF_SHN_UNDEF) {
            /* a kernel function (kfunc), found by BTF at load time */
            in->regs = PBPF_INSN_REGS(0, PBPF_PSEUDO_KFUNC_CALL);
            in->imm = 0;
            return add_relo(l, (uint32_t)pc, PBPF_RELO_KFUNC, 0, 0, sym->name);
        }
        if (sym->shndx >= obj->sec_cnt || !is_exec(&obj->secs[sym->shndx]) || sym->value % 8)
            return pbpf_elf_err(obj, -EINVAL,
                                "section '%s' offset 0x%zx: call of '%s', not a function", sname,
                                soff, sym->name);
        /* llvm-reloc.rst: the callee is at (S + A) / 8 - 1 relative, with
         * the addend already in imm */
        tsec = sym->shndx;
        tidx = (int64_t)(sym->value / 8) + in->imm + 1;
        name = sym->name;
    } else {
        tidx = (int64_t)(f->start + k) + in->imm + 1;
    }
    if (PBPF_INSN_SRC(in) != PBPF_PSEUDO_CALL)
        return pbpf_elf_err(obj, -EINVAL,
                            "section '%s' offset 0x%zx: relocated call has src %u", sname, soff,
                            PBPF_INSN_SRC(in));
    if ((rc = resolve_target(l, tsec, tidx, &target, sname, soff)))
        return rc;
    in = &l->insns[pc];
    in->imm = (int32_t)((int64_t)target - (int64_t)pc - 1);
    return add_relo(l, (uint32_t)pc, PBPF_RELO_CALL, 0, 0,
                    name ? name : obj->syms[l->obj->funcs[(size_t)func_at(obj, tsec, tidx)].sym].name);
}

/* BTF.ext records of each appended function, renumbered. */
static int attach_btf_ext(struct link *l, struct pbpf_object_prog *p)
{
    const struct pbpf_object *obj = l->obj;
    const struct pbpf_btf_ext *ext = obj->btf_ext;
    struct pbpf_object_func_info *fi;
    struct pbpf_object_line_info *li;
    struct pbpf_object_core_relo *ci;
    size_t nf = 0, nl = 0, nc = 0;

    if (!ext)
        return 0;
    fi = pbpf_calloc(ext->func_cnt + 1, sizeof(*fi));
    li = pbpf_calloc(ext->line_cnt + 1, sizeof(*li));
    ci = pbpf_calloc(ext->core_cnt + 1, sizeof(*ci));
    p->func_info = fi;
    p->line_info = li;
    p->core_relos = ci;
    if (!fi || !li || !ci)
        return -ENOMEM;
    for (size_t i = 0; i < l->inst_cnt; i++) {
        const struct pbpf_elf_func *f = &obj->funcs[l->inst[i].func];
        const char *sn = obj->secs[f->sec].name;
        size_t lo = f->start, hi = f->start + f->cnt, base = l->inst[i].out;
#define IN_FUNC(r)                                                                                 \
    ((r)->insn_off / 8 >= lo && (r)->insn_off / 8 < hi &&                                          \
     strcmp(pbpf_btf_str(obj->btf, (r)->sec_name_off), sn) == 0)
        for (size_t k = 0; k < ext->func_cnt; k++)
            if (IN_FUNC(&ext->funcs[k])) {
                fi[nf].insn_idx = (uint32_t)(base + ext->funcs[k].insn_off / 8 - lo);
                fi[nf++].type_id = ext->funcs[k].type_id;
            }
        for (size_t k = 0; k < ext->line_cnt; k++)
            if (IN_FUNC(&ext->lines[k])) {
                const struct pbpf_btf_ext_line *r = &ext->lines[k];
                li[nl].insn_idx = (uint32_t)(base + r->insn_off / 8 - lo);
                li[nl].file = pbpf_btf_str(obj->btf, r->file_name_off);
                li[nl].line = pbpf_btf_str(obj->btf, r->line_off);
                li[nl].line_no = r->line_col >> 10;
                li[nl++].col = r->line_col & 0x3ff;
            }
        for (size_t k = 0; k < ext->core_cnt; k++)
            if (IN_FUNC(&ext->cores[k])) {
                const struct pbpf_btf_ext_core *r = &ext->cores[k];
                ci[nc].insn_idx = (uint32_t)(base + r->insn_off / 8 - lo);
                ci[nc].type_id = r->type_id;
                ci[nc].access = pbpf_btf_str(obj->btf, r->access_str_off);
                ci[nc++].kind = r->kind;
            }
#undef IN_FUNC
    }
    p->func_info_cnt = nf;
    p->line_info_cnt = nl;
    p->core_relo_cnt = nc;
    return 0;
}

static int link_prog(struct pbpf_object *obj, size_t fi, struct pbpf_object_prog *p)
{
    struct link l = {.obj = obj};
    const struct pbpf_elf_func *main_f = &obj->funcs[fi];
    int rc;

    l.inst = pbpf_calloc(obj->func_cnt, sizeof(*l.inst));
    l.stack = pbpf_calloc(obj->func_cnt, sizeof(*l.stack));
    if (!l.inst || !l.stack) {
        rc = -ENOMEM;
        goto out;
    }
    p->name = obj->syms[main_f->sym].name;
    p->section = obj->secs[main_f->sec].name;
    p->sec_insn_off = main_f->start;
    p->sec_insn_cnt = main_f->cnt;
    p->type_known = pbpf_elf_sec_def(p->section, &p->prog_type, &p->expected_attach_type,
                                     &p->sleepable, &p->attach_target) == 0;
    if (!p->type_known) {
        p->prog_type = 0;
        p->expected_attach_type = 0;
        p->attach_target = "";
    }
    if ((rc = append_func(&l, fi)))
        goto out;
    while (l.depth) {
        struct frame *fr = &l.stack[l.depth - 1];
        const struct pbpf_elf_func *f = &obj->funcs[l.inst[fr->inst].func];
        const struct pbpf_elf_xsec *x = xsec_of(obj, f->sec);
        const char *sname = obj->secs[f->sec].name;
        size_t k, pc, soff;
        const struct pbpf_elf_rel *rel;
        struct pbpf_insn *in;

        if (fr->next >= f->cnt) {
            l.depth--;
            continue;
        }
        k = fr->next++;
        pc = l.inst[fr->inst].out + k;
        soff = (f->start + k) * 8;
        rel = rel_at(x, f->start + k);
        in = &l.insns[pc];
        if (rel && rel->type == PBPF_R_BPF_NONE)
            rel = NULL;
        if (in->code == PBPF_OPCODE_LDDW) {
            if (k + 1 >= f->cnt) {
                rc = pbpf_elf_err(obj, -EINVAL,
                                  "section '%s' offset 0x%zx: lddw without its second slot", sname,
                                  soff);
                goto out;
            }
            fr->next++;
            if (rel_at(x, f->start + k + 1)) {
                rc = pbpf_elf_err(obj, -EINVAL,
                                  "section '%s' offset 0x%zx: relocation of a lddw's second slot",
                                  sname, soff + 8);
                goto out;
            }
            if (rel && (rc = reloc_lddw(&l, pc, rel, sname, soff)))
                goto out;
        } else if (in->code == PBPF_OPCODE_CALL && PBPF_INSN_SRC(in) == PBPF_PSEUDO_CALL) {
            if ((rc = reloc_call(&l, pc, f, k, rel, sname, soff)))
                goto out;
        } else if (rel) {
            rc = pbpf_elf_err(obj, -EINVAL,
                              "section '%s' offset 0x%zx: relocation (type %u, symbol '%s') of an "
                              "instruction that is neither lddw nor a call (opcode 0x%02x)",
                              sname, soff, rel->type, obj->syms[rel->sym].name, in->code);
            goto out;
        }
    }
    p->insns = l.insns;
    p->insn_cnt = l.cnt;
    p->relos = l.relos;
    p->relo_cnt = l.relo_cnt;
    l.insns = NULL;
    l.relos = NULL;
    rc = attach_btf_ext(&l, p);
out:
    pbpf_free(l.insns);
    pbpf_free(l.relos);
    pbpf_free(l.inst);
    pbpf_free(l.stack);
    return rc;
}

int pbpf_elf_link_progs(struct pbpf_object *obj)
{
    size_t n = 0;
    for (size_t i = 0; i < obj->func_cnt; i++)
        n += obj->funcs[i].is_prog;
    obj->progs = pbpf_calloc(n ? n : 1, sizeof(*obj->progs));
    if (!obj->progs)
        return -ENOMEM;
    /* programs in section order, and by offset within a section (libbpf's
     * order) */
    for (size_t i = 0; i < obj->func_cnt; i++) {
        int rc;
        if (!obj->funcs[i].is_prog)
            continue;
        rc = link_prog(obj, i, &obj->progs[obj->prog_cnt++]);
        if (rc)
            return rc;
    }
    return 0;
}
