/* kobj: pbpf's loaded object, loaded again into the kernel (kobj.h). */
#include "kobj.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf.h"
#include "pbpf/maps.h"

#define LDDW_CODE 0x18
#define PSEUDO_MAP_FD 1
#define PSEUDO_MAP_VALUE 2
#define PSEUDO_KFUNC_CALL 2
#define CALL_CODE 0x85
#define F_RDONLY_PROG 0x80u /* BPF_F_RDONLY_PROG */

int kobj_map_fd(const struct kobj *k, const char *name)
{
    int i = pbpf_object_find_map(k->obj, name);
    return i < 0 || (size_t)i >= k->map_cnt ? -1 : k->map_fd[i];
}

void kobj_close(struct kobj *k)
{
    for (size_t i = 0; i < k->prog_cnt; i++)
        kbpf_close(k->prog_fd[i]);
    for (size_t i = 0; i < k->map_cnt; i++)
        kbpf_close(k->map_fd[i]);
    free(k->prog_fd);
    free(k->map_fd);
    memset(k, 0, sizeof *k);
}

int kobj_open(struct kobj *k, const struct pbpf_object *obj, char *why, size_t why_size)
{
    memset(k, 0, sizeof *k);
    k->obj = obj;
    k->map_cnt = pbpf_object_map_cnt(obj);
    k->prog_cnt = pbpf_object_prog_cnt(obj);
    k->map_fd = malloc((k->map_cnt + 1) * sizeof *k->map_fd);
    k->prog_fd = malloc((k->prog_cnt + 1) * sizeof *k->prog_fd);
    if (!k->map_fd || !k->prog_fd) {
        kobj_close(k);
        snprintf(why, why_size, "out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0; i < k->map_cnt; i++)
        k->map_fd[i] = -1;
    for (size_t i = 0; i < k->prog_cnt; i++)
        k->prog_fd[i] = -1;
    for (size_t i = 0; i < k->map_cnt; i++) {
        const struct pbpf_object_map *om = pbpf_object_map(obj, i);
        struct pbpf_map *m = pbpf_object_map_handle(obj, i);
        if (!m)
            continue;
        if (om->inner) {
            snprintf(why, why_size, "map '%s': maps of maps are not copied", om->name);
            kobj_close(k);
            return -EOPNOTSUPP;
        }
        int fd = kbpf_map_create(pbpf_map_type(m), pbpf_map_key_size(m), pbpf_map_value_size(m),
                                 pbpf_map_max_entries(m), pbpf_map_flags(m));
        if (fd < 0) {
            snprintf(why, why_size, "map '%s': kernel map create: %s", om->name, strerror(-fd));
            kobj_close(k);
            return fd;
        }
        k->map_fd[i] = fd;
        if (om->kind != PBPF_OBJMAP_DATA && om->kind != PBPF_OBJMAP_KCONFIG)
            continue;
        /* global data: the bytes the programs start with */
        size_t vs = pbpf_map_value_size(m);
        uint8_t *v = calloc(1, vs ? vs : 1);
        uint32_t key = 0;
        int err = v ? pbpf_map_lookup_elem(m, &key, v) : -ENOMEM;
        if (!err)
            err = kbpf_map_update(fd, &key, v, 0);
        if (!err && (pbpf_map_flags(m) & F_RDONLY_PROG))
            err = kbpf_map_freeze(fd);
        free(v);
        if (err) {
            snprintf(why, why_size, "map '%s': copying its data: %s", om->name, strerror(-err));
            kobj_close(k);
            return err;
        }
    }
    return 0;
}

int kobj_load_prog(struct kobj *k, size_t prog_idx, uint32_t prog_type, uint32_t attach_type,
                   long *us, long *insns, char *why, size_t why_size)
{
    const struct pbpf_insn *in;
    struct pbpf_map *const *maps;
    size_t cnt, map_cnt;
    why[0] = '\0';
    if (prog_idx >= k->prog_cnt ||
        pbpf_object_prog_xlated(k->obj, prog_idx, &in, &cnt) ||
        pbpf_object_prog_maps(k->obj, prog_idx, &maps, &map_cnt)) {
        snprintf(why, why_size, "program %zu is not loaded in pbpf", prog_idx);
        return -ENOENT;
    }
    struct pbpf_insn *p = malloc(cnt * sizeof *p);
    if (!p)
        return -ENOMEM;
    memcpy(p, in, cnt * sizeof *p);
    for (size_t i = 0; i < cnt; i++) {
        int src = p[i].regs >> 4;
        if (p[i].code == CALL_CODE && src == PSEUDO_KFUNC_CALL) {
            snprintf(why, why_size, "insn %zu: kfunc calls are not copied", i);
            free(p);
            return -EOPNOTSUPP;
        }
        if (p[i].code != LDDW_CODE || i + 1 >= cnt)
            continue;
        if (src == PSEUDO_MAP_FD || src == PSEUDO_MAP_VALUE) {
            int fd = -1;
            if (p[i].imm >= 0 && (size_t)p[i].imm < map_cnt)
                for (size_t j = 0; j < k->map_cnt; j++)
                    if (pbpf_object_map_handle(k->obj, j) == maps[p[i].imm])
                        fd = k->map_fd[j];
            if (fd < 0) {
                snprintf(why, why_size, "insn %zu: map %d has no kernel copy", i, p[i].imm);
                free(p);
                return -ENOENT;
            }
            p[i].imm = fd;
        } else if (src != 0 && src != 4) { /* 4: BPF_PSEUDO_FUNC, kept */
            snprintf(why, why_size, "insn %zu: lddw src=%d is not copied", i, src);
            free(p);
            return -EOPNOTSUPP;
        }
        i++;
    }
    const struct pbpf_object_prog *op = pbpf_object_prog(k->obj, prog_idx);
    struct kbpf_load_opts lo = {.prog_type = prog_type,
                                .expected_attach_type = attach_type,
                                .insns = p,
                                .insn_cnt = cnt,
                                .license = pbpf_object_license(k->obj),
                                .name = op->name,
                                .stats = us || insns};
    int fd = kbpf_prog_load(&lo);
    free(p);
    if (us)
        *us = lo.verify_us;
    if (insns)
        *insns = lo.processed;
    if (fd < 0) {
        snprintf(why, why_size, "%s", lo.reason[0] ? lo.reason : strerror(-fd));
        return fd;
    }
    kbpf_close(k->prog_fd[prog_idx]);
    k->prog_fd[prog_idx] = fd;
    return fd;
}
