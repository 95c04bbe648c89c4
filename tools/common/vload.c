/* Loading one program of an object for the verifier (vload.h). */
#include "vload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vload_object(const void *buf, size_t len, struct pbpf_object **obj, char *msg, size_t msz)
{
    if (msz)
        msg[0] = 0;
    PBPF_OPTS(pbpf_object_opts, oo, .log_buf = msg, .log_size = msz);
    return pbpf_object_open_mem(buf, len, &oo, obj);
}

int vload_prog(struct pbpf_runtime *rt, struct pbpf_object *obj, size_t prog_idx,
               uint32_t prog_type, struct vload *vl, char *msg, size_t msz)
{
    memset(vl, 0, sizeof *vl);
    vl->obj = obj;
    vl->prog_idx = prog_idx;
    if (msz)
        msg[0] = 0;
    if (prog_idx >= pbpf_object_prog_cnt(obj)) {
        snprintf(msg, msz, "no program %zu in the object", prog_idx);
        return -ENOENT;
    }
    vl->prog = pbpf_object_prog(obj, prog_idx);
    vl->prog_type = vl->prog->prog_type;
    vl->attach_type = vl->prog->expected_attach_type;
    vl->gpl = vload_license_gpl(pbpf_object_license(obj));
    /* the programs the object's prog arrays start with (`values`) are
     * loaded too: the loader, as libbpf's init_prog_array_slots, refuses
     * a slot whose program is not loaded.  They are only loaded (checked
     * mode), not verified: the verdict is prog_idx's alone. */
    size_t nprog = pbpf_object_prog_cnt(obj);
    for (size_t i = 0; i < nprog; i++) {
        int load = i == prog_idx;
        for (size_t m = 0; !load && m < pbpf_object_map_cnt(obj); m++) {
            const struct pbpf_object_map *om = pbpf_object_map(obj, m);
            if (om->type != PBPF_MAP_TYPE_PROG_ARRAY)
                continue;
            for (size_t s = 0; s < om->init_slot_cnt; s++)
                load |= om->init_slots[s].target == i;
        }
        int err = pbpf_object_set_autoload(obj, i, load);
        if (err) {
            snprintf(msg, msz, "%s: cannot set autoload: %d", vl->prog->name, err);
            return err;
        }
    }
    if (prog_type) {
        vl->prog_type = prog_type;
        int err = pbpf_object_set_prog_type(obj, prog_idx, prog_type, vl->attach_type);
        if (err) {
            snprintf(msg, msz, "%s: cannot set the program type: %d", vl->prog->name, err);
            return err;
        }
    }
    /* checked mode: the loader must not rely on a verdict it has not got */
    PBPF_OPTS(pbpf_object_load_opts, lo, .mode = PBPF_MODE_CHECKED, .log_buf = msg,
              .log_size = msz);
    int err = pbpf_object_load(obj, rt, &lo);
    if (err)
        return err;
    err = pbpf_object_prog_xlated(obj, prog_idx, &vl->insns, &vl->cnt);
    if (!err)
        err = pbpf_object_prog_maps(obj, prog_idx, &vl->maps, &vl->map_cnt);
    if (err)
        snprintf(msg, msz, "%s: loaded, but its instructions are not available: %d",
                 vl->prog->name, err);
    return err;
}

void vload_close(struct vload *vl)
{
    if (vl->obj)
        pbpf_object_close(vl->obj);
    memset(vl, 0, sizeof *vl);
}

void vload_verifier_opts(const struct vload *vl, struct pbpf_verifier_opts *o)
{
    o->prog_type = vl->prog_type;
    o->expected_attach_type = vl->attach_type;
    o->maps = vl->maps;
    o->map_cnt = vl->map_cnt;
    o->line_info = vl->prog ? vl->prog->line_info : NULL;
    o->line_info_cnt = vl->prog ? vl->prog->line_info_cnt : 0;
    o->gpl = vl->gpl;
    o->btf = vl->obj ? pbpf_object_btf_data(vl->obj, &o->btf_size) : NULL;
    o->func_info = vl->prog ? vl->prog->func_info : NULL;
    o->func_info_cnt = vl->prog ? vl->prog->func_info_cnt : 0;
}

int vload_license_gpl(const char *l) { return pbpf_license_gpl_compatible(l); }

int vload_prog_type_by_name(const char *name, uint32_t *type)
{
    char *end;
    unsigned long n = strtoul(name, &end, 0);
    if (*name && !*end && n < 1000) {
        *type = (uint32_t)n;
        return 0;
    }
    /* Linux's enum bpf_prog_type has fewer than 64 values so far */
    for (uint32_t t = 1; t < 256; t++) {
        const char *tn = pbpf_prog_type_name(t);
        if (tn && !strcmp(tn, name)) {
            *type = t;
            return 0;
        }
    }
    return -ENOENT;
}

const struct pbpf_object_line_info *vload_line_at(const struct pbpf_object_line_info *li,
                                                  size_t cnt, size_t idx)
{
    const struct pbpf_object_line_info *best = NULL;
    for (size_t i = 0; i < cnt && li[i].insn_idx <= idx; i++)
        best = &li[i];
    return best;
}
