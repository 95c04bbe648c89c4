/* Skeletons: the five calls the code of `bpftool gen skeleton` makes, on
 * libbpf's struct bpf_object_skeleton (entries are map_skel_sz and
 * prog_skel_sz bytes apart, so skeletons from newer bpftools with longer
 * entries still work). */
#include <stdlib.h>
#include <string.h>

#include "bpf/libbpf.h"
#include "compat/compat.h"
#include "compat/object.h"

int compat_auto_attachable(const struct bpf_program *prog);

static struct bpf_map_skeleton *skel_map(const struct bpf_object_skeleton *s, int i)
{
    return (struct bpf_map_skeleton *)((char *)s->maps + (size_t)i * (size_t)s->map_skel_sz);
}

static struct bpf_prog_skeleton *skel_prog(const struct bpf_object_skeleton *s, int i)
{
    return (struct bpf_prog_skeleton *)((char *)s->progs + (size_t)i * (size_t)s->prog_skel_sz);
}

int bpf_object__open_skeleton(struct bpf_object_skeleton *s,
                              const struct bpf_object_open_opts *opts)
{
    if (!s || !s->data || !s->obj || (opts && opts->sz < sizeof(size_t)))
        return compat_err(-EINVAL);
    if ((s->map_cnt && s->map_skel_sz < (int)sizeof(struct bpf_map_skeleton)) ||
        (s->prog_cnt && s->prog_skel_sz < (int)sizeof(struct bpf_prog_skeleton)))
        return compat_err(-EINVAL);
    /* the skeleton's name unless the caller names the object */
    struct bpf_object_open_opts o = {.sz = sizeof o};
    if (opts)
        memcpy(&o, opts, opts->sz < sizeof o ? opts->sz : sizeof o);
    o.sz = sizeof o;
    if (!o.object_name)
        o.object_name = s->name;
    struct bpf_object *obj = bpf_object__open_mem(s->data, s->data_sz, &o);
    if (!obj)
        return -errno;
    *s->obj = obj;
    for (int i = 0; i < s->map_cnt; i++) {
        struct bpf_map_skeleton *ms = skel_map(s, i);
        struct bpf_map *m = bpf_object__find_map_by_name(obj, ms->name);
        if (!m) {
            compat_print(COMPAT_WARN, "libbpf: failed to find skeleton map '%s'\n", ms->name);
            return compat_err(-ESRCH);
        }
        *ms->map = m;
        if (ms->mmaped)
            *ms->mmaped = m->mmaped;
    }
    for (int i = 0; i < s->prog_cnt; i++) {
        struct bpf_prog_skeleton *ps = skel_prog(s, i);
        struct bpf_program *p = bpf_object__find_program_by_name(obj, ps->name);
        if (!p) {
            compat_print(COMPAT_WARN, "libbpf: failed to find skeleton program '%s'\n",
                         ps->name);
            return compat_err(-ESRCH);
        }
        *ps->prog = p;
    }
    return 0;
}

int bpf_object__load_skeleton(struct bpf_object_skeleton *s)
{
    if (!s || !s->obj || !*s->obj)
        return compat_err(-EINVAL);
    int rc = bpf_object__load(*s->obj);
    if (rc) {
        compat_print(COMPAT_WARN, "libbpf: failed to load BPF skeleton '%s': %d\n", s->name, rc);
        return compat_err(rc);
    }
    /* the .data/.rodata/.bss members now point at the maps' memory:
     * programs see what the loader writes there and the other way round */
    for (int i = 0; i < s->map_cnt; i++) {
        struct bpf_map_skeleton *ms = skel_map(s, i);
        if (!ms->mmaped)
            continue;
        struct bpf_map *m = *ms->map;
        if (!m->mmaped) {
            compat_print(COMPAT_WARN, "libbpf: map '%s': cannot be memory-mapped\n", m->name);
            return compat_err(-EOPNOTSUPP);
        }
        *ms->mmaped = m->mmaped;
    }
    return 0;
}

int bpf_object__attach_skeleton(struct bpf_object_skeleton *s)
{
    if (!s)
        return compat_err(-EINVAL);
    for (int i = 0; i < s->prog_cnt; i++) {
        struct bpf_prog_skeleton *ps = skel_prog(s, i);
        struct bpf_program *p = *ps->prog;
        /* libbpf skips programs not loaded and those without an
         * automatic attach point (xdp, tc...): the loader attaches them */
        if (!p->autoload || !compat_auto_attachable(p) || *ps->link)
            continue;
        *ps->link = bpf_program__attach(p);
        if (!*ps->link) {
            int rc = -errno;
            compat_print(COMPAT_WARN, "libbpf: prog '%s': failed to auto-attach: %d\n",
                         p->name, rc);
            return compat_err(rc);
        }
    }
    return 0;
}

void bpf_object__detach_skeleton(struct bpf_object_skeleton *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->prog_cnt; i++) {
        struct bpf_prog_skeleton *ps = skel_prog(s, i);
        if (ps->link && *ps->link) {
            bpf_link__destroy(*ps->link);
            *ps->link = NULL;
        }
    }
}

void bpf_object__destroy_skeleton(struct bpf_object_skeleton *s)
{
    if (!s)
        return;
    if (s->progs)
        bpf_object__detach_skeleton(s);
    if (s->obj)
        bpf_object__close(*s->obj);
    free(s->maps);
    free(s->progs);
    free(s);
}
