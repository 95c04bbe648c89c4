/* `.BTF.ext` (btf.rst §4.2): per-section function info, line info and
 * CO-RE relocation records.  Each part is `u32 rec_size` followed by
 * {sec_name_off, num_info, records...} groups; records may be longer than
 * we know (newer format) but never shorter. */
#include "btf/btf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "platform/platform.h"

#define ext_err(err, size, code, ...) pbpf_btf_errf(err, size, code, "BTF.ext: ", __VA_ARGS__)

enum ext_part { PART_FUNC, PART_LINE, PART_CORE };

static const char *const part_names[] = {"func_info", "line_info", "core_relo"};
static const uint32_t part_min_rec[] = {8, 16, 16};

static int check_str(const struct pbpf_btf *btf, uint32_t off, const char *what, size_t at,
                     char *err, size_t err_size)
{
    if (!pbpf_btf_str(btf, off))
        return ext_err(err, err_size, -EINVAL, "%s at byte %zu: string offset %u out of range",
                       what, at, off);
    return 0;
}

/* Walks one part twice: first to count (cnt == NULL), then to fill. */
static int parse_part(const uint8_t *p, uint32_t len, size_t base, enum ext_part part,
                      const struct pbpf_btf *btf, struct pbpf_btf_ext *ext, size_t *cnt,
                      char *err, size_t err_size)
{
    const char *pn = part_names[part];
    uint32_t rec, pos = 4;
    size_t n = 0;
    int rc;

    if (!len)
        return 0;
    if (len < 4)
        return ext_err(err, err_size, -EINVAL, "%s at byte %zu: %u bytes, no record size", pn,
                       base, len);
    rec = pbpf_btf_rd32(p);
    if (rec < part_min_rec[part] || rec % 4)
        return ext_err(err, err_size, -EINVAL, "%s at byte %zu: record size %u", pn, base, rec);
    while (pos < len) {
        uint32_t sec_off, num;
        if (len - pos < 8)
            return ext_err(err, err_size, -EINVAL, "%s at byte %zu: truncated section header", pn,
                           base + pos);
        sec_off = pbpf_btf_rd32(p + pos);
        num = pbpf_btf_rd32(p + pos + 4);
        if ((rc = check_str(btf, sec_off, pn, base + pos, err, err_size)))
            return rc;
        if (!num)
            return ext_err(err, err_size, -EINVAL, "%s at byte %zu: section with no records", pn,
                           base + pos);
        pos += 8;
        if ((uint64_t)num * rec > len - pos)
            return ext_err(err, err_size, -EINVAL, "%s at byte %zu: %u records of %u bytes cut",
                           pn, base + pos, num, rec);
        for (uint32_t i = 0; i < num; i++, pos += rec) {
            const uint8_t *r = p + pos;
            size_t at = base + pos;
            uint32_t insn_off = pbpf_btf_rd32(r);
            if (insn_off % 8)
                return ext_err(err, err_size, -EINVAL,
                               "%s at byte %zu: instruction offset %u not a multiple of 8", pn, at,
                               insn_off);
            if (!cnt) {
                n++;
                continue;
            }
            if (part == PART_FUNC) {
                struct pbpf_btf_ext_func *f = &ext->funcs[n++];
                const struct pbpf_btf_type *t;
                f->sec_name_off = sec_off;
                f->insn_off = insn_off;
                f->type_id = pbpf_btf_rd32(r + 4);
                t = pbpf_btf_type_by_id(btf, f->type_id);
                if (!t || pbpf_btf_kind(t) != PBPF_BTF_KIND_FUNC)
                    return ext_err(err, err_size, -EINVAL, "%s at byte %zu: type %u is not a FUNC",
                                   pn, at, f->type_id);
            } else if (part == PART_LINE) {
                struct pbpf_btf_ext_line *l = &ext->lines[n++];
                l->sec_name_off = sec_off;
                l->insn_off = insn_off;
                l->file_name_off = pbpf_btf_rd32(r + 4);
                l->line_off = pbpf_btf_rd32(r + 8);
                l->line_col = pbpf_btf_rd32(r + 12);
                if ((rc = check_str(btf, l->file_name_off, pn, at, err, err_size)) ||
                    (rc = check_str(btf, l->line_off, pn, at, err, err_size)))
                    return rc;
            } else {
                struct pbpf_btf_ext_core *c = &ext->cores[n++];
                c->sec_name_off = sec_off;
                c->insn_off = insn_off;
                c->type_id = pbpf_btf_rd32(r + 4);
                c->access_str_off = pbpf_btf_rd32(r + 8);
                c->kind = pbpf_btf_rd32(r + 12);
                if (!c->type_id || c->type_id >= pbpf_btf_type_cnt(btf))
                    return ext_err(err, err_size, -EINVAL, "%s at byte %zu: type id %u", pn, at,
                                   c->type_id);
                if (c->kind > PBPF_CORE_RELO_KIND_MAX)
                    return ext_err(err, err_size, -ENOTSUP, "%s at byte %zu: unknown kind %u", pn,
                                   at, c->kind);
                if ((rc = check_str(btf, c->access_str_off, pn, at, err, err_size)))
                    return rc;
            }
        }
    }
    if (cnt)
        *cnt = n;
    else if (part == PART_FUNC)
        ext->func_cnt = n;
    else if (part == PART_LINE)
        ext->line_cnt = n;
    else
        ext->core_cnt = n;
    return 0;
}

int pbpf_btf_ext_parse(const void *data, size_t len, const struct pbpf_btf *btf,
                       struct pbpf_btf_ext **out, char *err, size_t err_size)
{
    const uint8_t *p = data;
    struct pbpf_btf_ext *ext;
    uint32_t hdr_len, off[3] = {0}, plen[3] = {0};
    int rc;

    *out = NULL;
    if (!p || len < 24)
        return ext_err(err, err_size, -EINVAL, "%zu bytes: shorter than the 24-byte header", len);
    if ((uint16_t)(p[0] | p[1] << 8) != PBPF_BTF_MAGIC)
        return ext_err(err, err_size, -EINVAL, "bad magic");
    if (p[2] != 1)
        return ext_err(err, err_size, -ENOTSUP, "version %u (only 1 is known)", p[2]);
    if (p[3])
        return ext_err(err, err_size, -ENOTSUP, "flags 0x%x", p[3]);
    hdr_len = pbpf_btf_rd32(p + 4);
    if (hdr_len < 24 || hdr_len > len || hdr_len % 4)
        return ext_err(err, err_size, -EINVAL, "header length %u in %zu bytes", hdr_len, len);
    for (int i = 0; i < 3; i++) {
        if (8 + 8 * (uint32_t)i + 8 > hdr_len)
            break; /* older header without CO-RE relocations */
        off[i] = pbpf_btf_rd32(p + 8 + 8 * i);
        plen[i] = pbpf_btf_rd32(p + 12 + 8 * i);
        if ((uint64_t)off[i] + plen[i] > len - hdr_len)
            return ext_err(err, err_size, -EINVAL, "%s [%u, +%u) outside %zu bytes",
                           part_names[i], off[i], plen[i], len - hdr_len);
        if (plen[i] && off[i] % 4)
            return ext_err(err, err_size, -EINVAL, "%s offset %u not 4-aligned", part_names[i],
                           off[i]);
    }
    ext = pbpf_calloc(1, sizeof(*ext));
    if (!ext)
        return -ENOMEM;
    for (int i = 0; i < 3; i++) {
        size_t cnt;
        if ((rc = parse_part(p + hdr_len + off[i], plen[i], hdr_len + off[i], (enum ext_part)i, btf,
                             ext, NULL, err, err_size)))
            goto fail;
        cnt = i == 0 ? ext->func_cnt : i == 1 ? ext->line_cnt : ext->core_cnt;
        if (!cnt)
            continue;
        if (i == 0)
            ext->funcs = pbpf_calloc(cnt, sizeof(*ext->funcs));
        else if (i == 1)
            ext->lines = pbpf_calloc(cnt, sizeof(*ext->lines));
        else
            ext->cores = pbpf_calloc(cnt, sizeof(*ext->cores));
        if ((i == 0 && !ext->funcs) || (i == 1 && !ext->lines) || (i == 2 && !ext->cores)) {
            rc = -ENOMEM;
            goto fail;
        }
        if ((rc = parse_part(p + hdr_len + off[i], plen[i], hdr_len + off[i], (enum ext_part)i, btf,
                             ext, &cnt, err, err_size)))
            goto fail;
    }
    *out = ext;
    return 0;
fail:
    pbpf_btf_ext_free(ext);
    return rc;
}

void pbpf_btf_ext_free(struct pbpf_btf_ext *ext)
{
    if (!ext)
        return;
    pbpf_free(ext->funcs);
    pbpf_free(ext->lines);
    pbpf_free(ext->cores);
    pbpf_free(ext);
}
