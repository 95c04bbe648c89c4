/* Bounds-checked ELF64 reading: every offset and size read from the file is
 * checked against the file before use, so a truncated or corrupt object
 * gives a message, not a crash.  Layouts follow the System V gABI (ELF64
 * header, section header, symbol), read field by field in little endian. */
#include "bench_elf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EHDR_SIZE 64
#define SHDR_SIZE 64
#define SYM_SIZE 24
#define SHT_SYMTAB 2
#define SHT_REL 9
#define SHT_RELA 4
#define STT_FUNC 2
#define EM_BPF 247

struct elf_file {
    const uint8_t *data;
    size_t size;
};

struct elf_shdr {
    uint32_t name, type, link, info;
    uint64_t offset, size, entsize;
};

static uint64_t rd(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Whether [off, off+len) lies inside the file. */
static int in_file(const struct elf_file *f, uint64_t off, uint64_t len)
{
    return off <= f->size && len <= f->size - off;
}

static int read_shdr(const struct elf_file *f, uint64_t shoff, unsigned i, struct elf_shdr *s)
{
    uint64_t at = shoff + (uint64_t)i * SHDR_SIZE;
    if (!in_file(f, at, SHDR_SIZE))
        return -1;
    const uint8_t *p = f->data + at;
    s->name = (uint32_t)rd(p, 4);
    s->type = (uint32_t)rd(p + 4, 4);
    s->offset = rd(p + 24, 8);
    s->size = rd(p + 32, 8);
    s->link = (uint32_t)rd(p + 40, 4);
    s->info = (uint32_t)rd(p + 44, 4);
    s->entsize = rd(p + 56, 8);
    return in_file(f, s->offset, s->size) ? 0 : -1;
}

/* The NUL-terminated string at off in the string table section strtab. */
static const char *str_at(const struct elf_file *f, const struct elf_shdr *strtab, uint64_t off)
{
    if (off >= strtab->size)
        return NULL;
    const char *s = (const char *)f->data + strtab->offset + off;
    if (!memchr(s, '\0', strtab->size - off))
        return NULL;
    return s;
}

static int parse(const struct elf_file *f, const char *sym, struct pbpf_insn **insns, size_t *cnt,
                 size_t *entry, char *err, size_t err_size)
{
    const uint8_t *h = f->data;
    if (!in_file(f, 0, EHDR_SIZE) || memcmp(h, "\177ELF", 4) != 0) {
        snprintf(err, err_size, "not an ELF file");
        return -EINVAL;
    }
    if (h[4] != 2 || h[5] != 1 || rd(h + 18, 2) != EM_BPF) {
        snprintf(err, err_size, "not a 64-bit little-endian eBPF object");
        return -EINVAL;
    }
    uint64_t shoff = rd(h + 40, 8);
    unsigned shentsize = (unsigned)rd(h + 58, 2);
    unsigned shnum = (unsigned)rd(h + 60, 2);
    if (shentsize != SHDR_SIZE || !in_file(f, shoff, (uint64_t)shnum * SHDR_SIZE)) {
        snprintf(err, err_size, "section header table outside the file");
        return -EINVAL;
    }

    /* The symbol table gives the function's section and offset. */
    struct elf_shdr symtab, strtab;
    unsigned i;
    for (i = 1; i < shnum; i++) {
        if (read_shdr(f, shoff, i, &symtab)) {
            snprintf(err, err_size, "section %u outside the file", i);
            return -EINVAL;
        }
        if (symtab.type == SHT_SYMTAB)
            break;
    }
    if (i == shnum) {
        snprintf(err, err_size, "no symbol table");
        return -ENOENT;
    }
    if (symtab.link >= shnum || read_shdr(f, shoff, symtab.link, &strtab) ||
        symtab.entsize != SYM_SIZE) {
        snprintf(err, err_size, "bad symbol table");
        return -EINVAL;
    }
    unsigned shndx = 0;
    uint64_t value = 0, fsize = 0;
    int found = 0;
    for (uint64_t off = 0; off + SYM_SIZE <= symtab.size; off += SYM_SIZE) {
        const uint8_t *s = f->data + symtab.offset + off;
        const char *name = str_at(f, &strtab, rd(s, 4));
        if ((s[4] & 0xf) != STT_FUNC || !name || strcmp(name, sym) != 0)
            continue;
        shndx = (unsigned)rd(s + 6, 2);
        value = rd(s + 8, 8);
        fsize = rd(s + 16, 8);
        found = 1;
        break;
    }
    if (!found) {
        snprintf(err, err_size, "no function symbol %s", sym);
        return -ENOENT;
    }
    struct elf_shdr code;
    if (shndx == 0 || shndx >= shnum || read_shdr(f, shoff, shndx, &code)) {
        snprintf(err, err_size, "%s: bad section index %u", sym, shndx);
        return -EINVAL;
    }
    if (code.size % sizeof(struct pbpf_insn) || value % sizeof(struct pbpf_insn) ||
        value > code.size || fsize > code.size - value || code.size == 0) {
        snprintf(err, err_size, "%s: misplaced in its section", sym);
        return -EINVAL;
    }
    for (i = 1; i < shnum; i++) {
        struct elf_shdr s;
        if (read_shdr(f, shoff, i, &s) == 0 && (s.type == SHT_REL || s.type == SHT_RELA) &&
            s.info == shndx && s.size) {
            snprintf(err, err_size,
                     "%s: its section has relocations (maps or global data are not supported "
                     "by the benchmark loader)",
                     sym);
            return -EINVAL;
        }
    }
    *cnt = code.size / sizeof(struct pbpf_insn);
    *entry = value / sizeof(struct pbpf_insn);
    *insns = malloc(code.size);
    if (!*insns)
        return -ENOMEM;
    /* struct pbpf_insn is the wire layout on a little-endian host; decode
     * field by field so that the reader stays correct elsewhere too. */
    for (size_t k = 0; k < *cnt; k++) {
        const uint8_t *p = f->data + code.offset + k * 8;
        (*insns)[k].code = p[0];
        (*insns)[k].regs = p[1];
        (*insns)[k].off = (int16_t)(uint16_t)rd(p + 2, 2);
        (*insns)[k].imm = (int32_t)(uint32_t)rd(p + 4, 4);
    }
    return 0;
}

int bench_elf_load(const char *path, const char *sym, struct pbpf_insn **insns, size_t *cnt,
                   size_t *entry, char *err, size_t err_size)
{
    *insns = NULL;
    *cnt = *entry = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, err_size, "%s: cannot open", path);
        return -ENOENT;
    }
    struct elf_file f = {0};
    uint8_t *buf = NULL;
    size_t cap = 0;
    int rc = 0;
    for (;;) {
        if (f.size == cap) {
            if (cap >= (64u << 20)) {
                snprintf(err, err_size, "%s: larger than 64 MiB", path);
                rc = -EFBIG;
                break;
            }
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                rc = -ENOMEM;
                break;
            }
            buf = nb;
        }
        size_t n = fread(buf + f.size, 1, cap - f.size, fp);
        if (n == 0)
            break;
        f.size += n;
    }
    if (!rc && ferror(fp)) {
        snprintf(err, err_size, "%s: read error", path);
        rc = -EIO;
    }
    fclose(fp);
    if (!rc) {
        char msg[160];
        f.data = buf;
        rc = parse(&f, sym, insns, cnt, entry, msg, sizeof msg);
        if (rc)
            snprintf(err, err_size, "%s: %s", path, msg);
    }
    free(buf);
    return rc;
}
