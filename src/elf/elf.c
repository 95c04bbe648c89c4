/* ELF64 reading: header, section headers, symbols, relocations, and the
 * executable sections cut into functions (System V gABI; BPF specifics in
 * spec/bpf-elf-draft.txt).  Everything is read with explicit little-endian
 * loads from our own copy of the file, after bounds checks. */
#include "elf/elf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

#define EHDR_SIZE 64
#define SHDR_SIZE 64
#define SYM_SIZE 24
#define REL_SIZE 16

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

int pbpf_elf_err(struct pbpf_object *obj, int code, const char *fmt, ...)
{
    if (obj->err && obj->err_size && !obj->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(obj->err, obj->err_size, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* A NUL-terminated string at off inside a string-table section, or NULL. */
static const char *strtab_str(const struct pbpf_elf_sec *s, uint64_t off)
{
    if (!s->data || off >= s->size || memchr(s->data + off, 0, s->size - off) == NULL)
        return NULL;
    return (const char *)s->data + off;
}

static int parse_sections(struct pbpf_object *obj)
{
    const uint8_t *p = obj->image;
    uint64_t shoff;
    uint32_t shnum, shstrndx;
    const struct pbpf_elf_sec *shstr;

    if (obj->size < EHDR_SIZE)
        return pbpf_elf_err(obj, -EINVAL, "ELF header: %zu bytes, need 64", obj->size);
    if (memcmp(p, "\177ELF", 4) != 0)
        return pbpf_elf_err(obj, -EINVAL, "ELF header offset 0x0: not an ELF file");
    if (p[4] != 2)
        return pbpf_elf_err(obj, -ENOTSUP, "ELF header offset 0x4: class %u, only ELF64", p[4]);
    if (p[5] != 1)
        return pbpf_elf_err(obj, -ENOTSUP,
                            "ELF header offset 0x5: data encoding %u, only little-endian", p[5]);
    if (p[6] != 1 || rd32(p + 20) != 1)
        return pbpf_elf_err(obj, -EINVAL, "ELF header offset 0x6: version %u/%u", p[6],
                            rd32(p + 20));
    if (rd16(p + 16) != 1)
        return pbpf_elf_err(obj, -ENOTSUP,
                            "ELF header offset 0x10: type %u, only relocatable objects (1)",
                            rd16(p + 16));
    if (rd16(p + 18) != PBPF_EM_BPF)
        return pbpf_elf_err(obj, -ENOTSUP, "ELF header offset 0x12: machine %u is not BPF (247)",
                            rd16(p + 18));
    if (rd16(p + 52) < EHDR_SIZE)
        return pbpf_elf_err(obj, -EINVAL, "ELF header offset 0x34: header size %u", rd16(p + 52));
    shoff = rd64(p + 40);
    shnum = rd16(p + 60);
    shstrndx = rd16(p + 62);
    if (rd16(p + 58) != SHDR_SIZE)
        return pbpf_elf_err(obj, -EINVAL, "ELF header offset 0x3a: section header size %u",
                            rd16(p + 58));
    if (shoff == 0 || shoff % 8 || shoff > obj->size || obj->size - shoff < SHDR_SIZE)
        return pbpf_elf_err(obj, -EINVAL,
                            "ELF header offset 0x28: section headers at 0x%llx outside %zu bytes",
                            (unsigned long long)shoff, obj->size);
    /* gABI extended numbering: counts that do not fit live in section 0 */
    if (shnum == 0)
        shnum = rd64(p + shoff + 32) > 0xffffffu ? 0xffffffu : (uint32_t)rd64(p + shoff + 32);
    if (shstrndx == PBPF_SHN_XINDEX)
        shstrndx = rd32(p + shoff + 40);
    if (shnum < 2 || (obj->size - shoff) / SHDR_SIZE < shnum)
        return pbpf_elf_err(obj, -EINVAL,
                            "ELF header offset 0x3c: %u section headers at 0x%llx exceed the file",
                            shnum, (unsigned long long)shoff);
    obj->secs = pbpf_calloc(shnum, sizeof(*obj->secs));
    if (!obj->secs)
        return -ENOMEM;
    obj->sec_cnt = shnum;
    for (uint32_t i = 0; i < shnum; i++) {
        const uint8_t *h = p + shoff + (uint64_t)i * SHDR_SIZE;
        struct pbpf_elf_sec *s = &obj->secs[i];
        uint64_t off = rd64(h + 24);
        s->type = rd32(h + 4);
        s->flags = rd64(h + 8);
        s->size = rd64(h + 32);
        s->link = rd32(h + 40);
        s->info = rd32(h + 44);
        s->entsize = rd64(h + 56);
        if (i == 0 || s->type == PBPF_SHT_NULL)
            continue;
        if (s->type != PBPF_SHT_NOBITS) {
            if (off > obj->size || s->size > obj->size - off)
                return pbpf_elf_err(obj, -EINVAL,
                                    "section %u header at 0x%llx: data [0x%llx, +0x%llx) outside "
                                    "%zu bytes",
                                    i, (unsigned long long)(shoff + (uint64_t)i * SHDR_SIZE),
                                    (unsigned long long)off, (unsigned long long)s->size,
                                    obj->size);
            s->data = p + off;
        }
    }
    if (shstrndx == 0 || shstrndx >= shnum || obj->secs[shstrndx].type != PBPF_SHT_STRTAB)
        return pbpf_elf_err(obj, -EINVAL,
                            "ELF header offset 0x3e: section name table index %u invalid",
                            shstrndx);
    shstr = &obj->secs[shstrndx];
    for (uint32_t i = 0; i < shnum; i++) {
        uint32_t name_off = rd32(p + shoff + (uint64_t)i * SHDR_SIZE);
        const char *name = strtab_str(shstr, name_off);
        if (!name)
            return pbpf_elf_err(obj, -EINVAL,
                                "section %u header: name offset 0x%x outside section names", i,
                                name_off);
        obj->secs[i].name = name;
    }
    return 0;
}

static int parse_symbols(struct pbpf_object *obj)
{
    const struct pbpf_elf_sec *symtab = NULL, *strtab;
    uint32_t symidx = 0;

    for (uint32_t i = 1; i < obj->sec_cnt; i++) {
        if (obj->secs[i].type != PBPF_SHT_SYMTAB)
            continue;
        if (symtab)
            return pbpf_elf_err(obj, -EINVAL, "section '%s': a second symbol table",
                                obj->secs[i].name);
        symtab = &obj->secs[i];
        symidx = i;
    }
    if (!symtab)
        return pbpf_elf_err(obj, -EINVAL, "no symbol table (.symtab)");
    if (symtab->entsize != SYM_SIZE || symtab->size % SYM_SIZE)
        return pbpf_elf_err(obj, -EINVAL, "section '%s': entry size %llu, size %llu",
                            symtab->name, (unsigned long long)symtab->entsize,
                            (unsigned long long)symtab->size);
    if (symtab->link == 0 || symtab->link >= obj->sec_cnt ||
        obj->secs[symtab->link].type != PBPF_SHT_STRTAB)
        return pbpf_elf_err(obj, -EINVAL, "section '%s': string table index %u invalid",
                            symtab->name, symtab->link);
    strtab = &obj->secs[symtab->link];
    obj->sym_cnt = symtab->size / SYM_SIZE;
    obj->syms = pbpf_calloc(obj->sym_cnt ? obj->sym_cnt : 1, sizeof(*obj->syms));
    if (!obj->syms)
        return -ENOMEM;
    for (size_t i = 0; i < obj->sym_cnt; i++) {
        const uint8_t *e = symtab->data + i * SYM_SIZE;
        struct pbpf_elf_sym *s = &obj->syms[i];
        const struct pbpf_elf_sec *sec;
        s->name = strtab_str(strtab, rd32(e));
        s->bind = e[4] >> 4;
        s->type = e[4] & 0xf;
        s->shndx = rd16(e + 6);
        s->value = rd64(e + 8);
        s->size = rd64(e + 16);
        if (!s->name)
            return pbpf_elf_err(obj, -EINVAL, "section '%s' offset 0x%zx: symbol %zu name 0x%x",
                                symtab->name, i * SYM_SIZE, i, rd32(e));
        if (s->shndx == PBPF_SHN_XINDEX)
            return pbpf_elf_err(obj, -ENOTSUP,
                                "section '%s' offset 0x%zx: symbol '%s' uses SHN_XINDEX",
                                symtab->name, i * SYM_SIZE, s->name);
        if (s->shndx == PBPF_SHN_COMMON)
            return pbpf_elf_err(obj, -ENOTSUP,
                                "symbol '%s' is COMMON: build with -fno-common", s->name);
        if (s->shndx >= PBPF_SHN_LORESERVE || s->shndx == PBPF_SHN_UNDEF)
            continue;
        if (s->shndx >= obj->sec_cnt || s->shndx == symidx)
            return pbpf_elf_err(obj, -EINVAL,
                                "section '%s' offset 0x%zx: symbol '%s' in section %u of %zu",
                                symtab->name, i * SYM_SIZE, s->name, s->shndx, obj->sec_cnt);
        sec = &obj->secs[s->shndx];
        if ((s->type == PBPF_STT_FUNC || s->type == PBPF_STT_OBJECT) &&
            (s->value > sec->size || s->size > sec->size - s->value))
            return pbpf_elf_err(obj, -EINVAL,
                                "section '%s' offset 0x%zx: symbol '%s' [0x%llx, +0x%llx) outside "
                                "section '%s' (0x%llx bytes)",
                                symtab->name, i * SYM_SIZE, s->name, (unsigned long long)s->value,
                                (unsigned long long)s->size, sec->name,
                                (unsigned long long)sec->size);
    }
    return 0;
}

static int rels_for(struct pbpf_object *obj, uint32_t sec, struct pbpf_elf_rel **out, size_t *cnt)
{
    *out = NULL;
    *cnt = 0;
    for (uint32_t i = 1; i < obj->sec_cnt; i++) {
        const struct pbpf_elf_sec *r = &obj->secs[i];
        struct pbpf_elf_rel *rels;
        size_t n;
        if (r->type == PBPF_SHT_RELA && r->info == sec)
            return pbpf_elf_err(obj, -ENOTSUP, "section '%s': RELA relocations (BPF uses REL)",
                                r->name);
        if (r->type != PBPF_SHT_REL || r->info != sec)
            continue;
        if (*out)
            return pbpf_elf_err(obj, -EINVAL, "section '%s': second relocation section for '%s'",
                                r->name, obj->secs[sec].name);
        if (r->entsize != REL_SIZE || r->size % REL_SIZE)
            return pbpf_elf_err(obj, -EINVAL, "section '%s': entry size %llu, size %llu", r->name,
                                (unsigned long long)r->entsize, (unsigned long long)r->size);
        if (r->link >= obj->sec_cnt || obj->secs[r->link].type != PBPF_SHT_SYMTAB)
            return pbpf_elf_err(obj, -EINVAL, "section '%s': symbol table index %u invalid",
                                r->name, r->link);
        n = r->size / REL_SIZE;
        rels = pbpf_calloc(n ? n : 1, sizeof(*rels));
        if (!rels)
            return -ENOMEM;
        for (size_t k = 0; k < n; k++) {
            const uint8_t *e = r->data + k * REL_SIZE;
            uint64_t info = rd64(e + 8);
            rels[k].offset = rd64(e);
            rels[k].sym = (uint32_t)(info >> 32);
            rels[k].type = (uint32_t)info;
            if (rels[k].sym >= obj->sym_cnt || (info >> 32) > UINT32_MAX) {
                pbpf_free(rels);
                return pbpf_elf_err(obj, -EINVAL, "section '%s' offset 0x%zx: symbol %llu of %zu",
                                    r->name, k * REL_SIZE, (unsigned long long)(info >> 32),
                                    obj->sym_cnt);
            }
            if (rels[k].offset >= obj->secs[sec].size) {
                unsigned long long bad = (unsigned long long)rels[k].offset;
                pbpf_free(rels);
                return pbpf_elf_err(obj, -EINVAL,
                                    "section '%s' offset 0x%zx: target offset 0x%llx outside '%s'",
                                    r->name, k * REL_SIZE, bad, obj->secs[sec].name);
            }
        }
        *out = rels;
        *cnt = n;
    }
    return 0;
}

int pbpf_elf_rels_for(struct pbpf_object *obj, uint32_t sec, struct pbpf_elf_rel **out,
                      size_t *cnt)
{
    int rc = rels_for(obj, sec, out, cnt);
    if (rc) {
        pbpf_free(*out);
        *out = NULL;
        *cnt = 0;
    }
    return rc;
}

static int cmp_rel(const void *a, const void *b)
{
    const struct pbpf_elf_rel *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int cmp_func(const void *a, const void *b)
{
    const struct pbpf_elf_func *x = a, *y = b;
    if (x->sec != y->sec)
        return x->sec < y->sec ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int is_text(const struct pbpf_elf_sec *s)
{
    return strcmp(s->name, ".text") == 0;
}

/* Executable sections: decode instructions, sort relocations, find the
 * functions (FUNC symbols) and check they tile without overlap. */
static int parse_code(struct pbpf_object *obj)
{
    size_t nx = 0, nf = 0;
    for (uint32_t i = 1; i < obj->sec_cnt; i++)
        if (obj->secs[i].type == PBPF_SHT_PROGBITS && (obj->secs[i].flags & PBPF_SHF_EXECINSTR) &&
            obj->secs[i].size)
            nx++;
    for (size_t i = 0; i < obj->sym_cnt; i++)
        if (obj->syms[i].type == PBPF_STT_FUNC && obj->syms[i].shndx &&
            obj->syms[i].shndx < obj->sec_cnt)
            nf++;
    obj->xsecs = pbpf_calloc(nx ? nx : 1, sizeof(*obj->xsecs));
    obj->funcs = pbpf_calloc(nf ? nf : 1, sizeof(*obj->funcs));
    if (!obj->xsecs || !obj->funcs)
        return -ENOMEM;

    for (uint32_t i = 1; i < obj->sec_cnt; i++) {
        const struct pbpf_elf_sec *s = &obj->secs[i];
        struct pbpf_elf_xsec *x;
        int rc;
        if (!(s->type == PBPF_SHT_PROGBITS && (s->flags & PBPF_SHF_EXECINSTR) && s->size))
            continue;
        if (s->size % 8)
            return pbpf_elf_err(obj, -EINVAL,
                                "section '%s': size 0x%llx is not a whole number of instructions",
                                s->name, (unsigned long long)s->size);
        x = &obj->xsecs[obj->xsec_cnt++];
        x->sec = i;
        x->cnt = s->size / 8;
        x->insns = pbpf_malloc(x->cnt * sizeof(*x->insns));
        if (!x->insns)
            return -ENOMEM;
        for (size_t k = 0; k < x->cnt; k++) {
            const uint8_t *b = s->data + 8 * k;
            x->insns[k].code = b[0];
            x->insns[k].regs = b[1];
            x->insns[k].off = (int16_t)rd16(b + 2);
            x->insns[k].imm = (int32_t)rd32(b + 4);
        }
        if ((rc = pbpf_elf_rels_for(obj, i, &x->rels, &x->rel_cnt)))
            return rc;
        if (x->rel_cnt)
            qsort(x->rels, x->rel_cnt, sizeof(*x->rels), cmp_rel);
        for (size_t k = 0; k < x->rel_cnt; k++) {
            if (x->rels[k].offset % 8)
                return pbpf_elf_err(obj, -EINVAL,
                                    "section '%s' offset 0x%llx: relocation not on an instruction",
                                    s->name, (unsigned long long)x->rels[k].offset);
            if (k && x->rels[k].offset == x->rels[k - 1].offset)
                return pbpf_elf_err(obj, -EINVAL,
                                    "section '%s' offset 0x%llx: two relocations of one instruction",
                                    s->name, (unsigned long long)x->rels[k].offset);
            x->rels[k].offset /= 8;
        }
    }

    for (size_t i = 0; i < obj->sym_cnt; i++) {
        const struct pbpf_elf_sym *sym = &obj->syms[i];
        const struct pbpf_elf_sec *s;
        struct pbpf_elf_func *f;
        if (sym->type != PBPF_STT_FUNC || !sym->shndx || sym->shndx >= obj->sec_cnt)
            continue;
        s = &obj->secs[sym->shndx];
        if (!(s->type == PBPF_SHT_PROGBITS && (s->flags & PBPF_SHF_EXECINSTR)))
            return pbpf_elf_err(obj, -EINVAL, "symbol '%s': function in non-executable section '%s'",
                                sym->name, s->name);
        if (sym->value % 8 || sym->size % 8)
            return pbpf_elf_err(obj, -EINVAL,
                                "section '%s' offset 0x%llx: function '%s' of 0x%llx bytes is not "
                                "instruction-aligned",
                                s->name, (unsigned long long)sym->value, sym->name,
                                (unsigned long long)sym->size);
        if (!sym->name[0])
            return pbpf_elf_err(obj, -EINVAL, "section '%s' offset 0x%llx: unnamed function",
                                s->name, (unsigned long long)sym->value);
        if (!s->size)
            return pbpf_elf_err(obj, -EINVAL, "function '%s' in empty section '%s'", sym->name,
                                s->name);
        f = &obj->funcs[obj->func_cnt++];
        f->sec = sym->shndx;
        f->sym = (uint32_t)i;
        f->start = sym->value / 8;
        f->cnt = sym->size / 8;
        f->is_prog = !is_text(s);
    }
    qsort(obj->funcs, obj->func_cnt, sizeof(*obj->funcs), cmp_func);
    for (size_t i = 0; i < obj->func_cnt; i++) {
        struct pbpf_elf_func *f = &obj->funcs[i];
        size_t sec_cnt = obj->secs[f->sec].size / 8;
        size_t end = (i + 1 < obj->func_cnt && obj->funcs[i + 1].sec == f->sec)
                         ? obj->funcs[i + 1].start
                         : sec_cnt;
        /* size 0 (hand-written assembly): up to the next function */
        if (!f->cnt)
            f->cnt = end - f->start;
        if (f->start + f->cnt > end || !f->cnt)
            return pbpf_elf_err(obj, -EINVAL,
                                "section '%s' offset 0x%zx: function '%s' overlaps the next one",
                                obj->secs[f->sec].name, f->start * 8, obj->syms[f->sym].name);
    }
    return 0;
}

static int parse_misc(struct pbpf_object *obj)
{
    obj->legacy_maps_sec = obj->btf_maps_sec = -1;
    for (uint32_t i = 1; i < obj->sec_cnt; i++) {
        const struct pbpf_elf_sec *s = &obj->secs[i];
        int rc;
        if (!s->data)
            continue;
        if (strcmp(s->name, "license") == 0) {
            size_t n = s->size < sizeof(obj->license) - 1 ? (size_t)s->size
                                                           : sizeof(obj->license) - 1;
            memcpy(obj->license, s->data, n);
            obj->license[n] = '\0';
        } else if (strcmp(s->name, "version") == 0) {
            if (s->size != 4)
                return pbpf_elf_err(obj, -EINVAL, "section 'version': %llu bytes, need 4",
                                    (unsigned long long)s->size);
            obj->kern_version = rd32(s->data);
        } else if (strcmp(s->name, "maps") == 0) {
            obj->legacy_maps_sec = (int)i;
        } else if (strcmp(s->name, ".maps") == 0) {
            obj->btf_maps_sec = (int)i;
        } else if (strcmp(s->name, ".BTF") == 0) {
            char msg[200] = "";
            if (obj->btf)
                return pbpf_elf_err(obj, -EINVAL, "a second .BTF section");
            if ((rc = pbpf_btf_parse(s->data, s->size, &obj->btf, msg, sizeof(msg))))
                return pbpf_elf_err(obj, rc, "section '.BTF': %s", msg);
        }
    }
    for (uint32_t i = 1; i < obj->sec_cnt; i++) {
        const struct pbpf_elf_sec *s = &obj->secs[i];
        char msg[200] = "";
        int rc;
        if (strcmp(s->name, ".BTF.ext") != 0 || !s->data)
            continue;
        if (!obj->btf)
            return pbpf_elf_err(obj, -EINVAL, "section '.BTF.ext' without .BTF");
        if (obj->btf_ext)
            return pbpf_elf_err(obj, -EINVAL, "a second .BTF.ext section");
        if ((rc = pbpf_btf_ext_parse(s->data, s->size, obj->btf, &obj->btf_ext, msg, sizeof(msg))))
            return pbpf_elf_err(obj, rc, "section '.BTF.ext': %s", msg);
    }
    return 0;
}

int pbpf_object_open_mem(const void *buf, size_t len, const struct pbpf_object_opts *opts,
                         struct pbpf_object **out)
{
    struct pbpf_object *obj;
    int rc;

    if (!out)
        return -EINVAL;
    *out = NULL;
    if (opts && opts->sz < sizeof(size_t))
        return -EINVAL;
    if (opts && opts->log_buf && opts->log_size)
        opts->log_buf[0] = '\0';
    if (!buf)
        return -EINVAL;
    obj = pbpf_calloc(1, sizeof(*obj));
    if (!obj)
        return -ENOMEM;
    obj->kconfig_map = -1;
    if (opts && opts->sz >= offsetof(struct pbpf_object_opts, log_size) + sizeof(size_t)) {
        obj->err = opts->log_buf;
        obj->err_size = opts->log_buf ? opts->log_size : 0;
    }
    obj->size = len;
    obj->image = pbpf_malloc(len ? len : 1);
    if (!obj->image) {
        pbpf_object_close(obj);
        return -ENOMEM;
    }
    memcpy(obj->image, buf, len);
    if ((rc = parse_sections(obj)) || (rc = parse_symbols(obj)) || (rc = parse_misc(obj)) ||
        (rc = parse_code(obj)) || (rc = pbpf_elf_parse_maps(obj)) ||
        (rc = pbpf_elf_parse_externs(obj)) || (rc = pbpf_elf_link_progs(obj)) ||
        (rc = pbpf_elf_map_init_slots(obj))) {
        if (rc == -ENOMEM)
            pbpf_elf_err(obj, rc, "out of memory");
        pbpf_object_close(obj);
        return rc;
    }
    obj->err = NULL;
    obj->err_size = 0;
    *out = obj;
    return 0;
}

void pbpf_object_close(struct pbpf_object *obj)
{
    if (!obj)
        return;
    if (obj->loader_free)
        obj->loader_free(obj);
    for (size_t i = 0; i < obj->xsec_cnt; i++) {
        pbpf_free(obj->xsecs[i].insns);
        pbpf_free(obj->xsecs[i].rels);
    }
    for (size_t i = 0; i < obj->prog_cnt; i++) {
        struct pbpf_object_prog *p = &obj->progs[i];
        pbpf_free((void *)p->insns);
        pbpf_free((void *)p->relos);
        pbpf_free((void *)p->func_info);
        pbpf_free((void *)p->line_info);
        pbpf_free((void *)p->core_relos);
    }
    for (size_t i = 0; i < obj->map_cnt; i++) {
        struct pbpf_object_map *m = &obj->maps[i];
        pbpf_free((void *)m->init_slots);
        if (m->inner)
            pbpf_free((void *)m->inner);
    }
    pbpf_free(obj->progs);
    pbpf_free(obj->maps);
    pbpf_free(obj->map_locs);
    pbpf_free(obj->externs);
    pbpf_free(obj->xsecs);
    pbpf_free(obj->funcs);
    pbpf_free(obj->syms);
    pbpf_free(obj->secs);
    pbpf_btf_ext_free(obj->btf_ext);
    pbpf_btf_free(obj->btf);
    pbpf_free(obj->image);
    pbpf_free(obj);
}

size_t pbpf_object_prog_cnt(const struct pbpf_object *obj)
{
    return obj ? obj->prog_cnt : 0;
}

const struct pbpf_object_prog *pbpf_object_prog(const struct pbpf_object *obj, size_t idx)
{
    return obj && idx < obj->prog_cnt ? &obj->progs[idx] : NULL;
}

const struct pbpf_object_prog *pbpf_object_prog_by_name(const struct pbpf_object *obj,
                                                        const char *name)
{
    for (size_t i = 0; obj && name && i < obj->prog_cnt; i++)
        if (strcmp(obj->progs[i].name, name) == 0)
            return &obj->progs[i];
    return NULL;
}

size_t pbpf_object_map_cnt(const struct pbpf_object *obj)
{
    return obj ? obj->map_cnt : 0;
}

const struct pbpf_object_map *pbpf_object_map(const struct pbpf_object *obj, size_t idx)
{
    return obj && idx < obj->map_cnt ? &obj->maps[idx] : NULL;
}

size_t pbpf_object_extern_cnt(const struct pbpf_object *obj)
{
    return obj ? obj->extern_cnt : 0;
}

const struct pbpf_object_extern *pbpf_object_extern(const struct pbpf_object *obj, size_t idx)
{
    return obj && idx < obj->extern_cnt ? &obj->externs[idx] : NULL;
}

const char *pbpf_object_license(const struct pbpf_object *obj)
{
    return obj ? obj->license : "";
}

uint32_t pbpf_object_kern_version(const struct pbpf_object *obj)
{
    return obj ? obj->kern_version : 0;
}

const void *pbpf_object_btf_data(const struct pbpf_object *obj, size_t *size)
{
    *size = 0;
    if (!obj || !obj->btf)
        return NULL;
    for (uint32_t i = 1; i < obj->sec_cnt; i++) {
        const struct pbpf_elf_sec *s = &obj->secs[i];
        if (s->data && strcmp(s->name, ".BTF") == 0) {
            *size = (size_t)s->size;
            return s->data;
        }
    }
    return NULL;
}

int pbpf_object_has_btf(const struct pbpf_object *obj)
{
    return obj && obj->btf ? (obj->btf_ext ? 2 : 1) : 0;
}
