/* One program of an object, loaded the way the verifier needs it: opened,
 * its maps created and its relocations (maps, CO-RE, subprograms) applied
 * by the loader (pbpf/loader.h), and the verifier's options filled from it
 * (program type, map table, line info, license).  Used by `pbpf verify`,
 * the verifier agreement tests, the fuzzer and the benchmark; not part of
 * the core library. */
#ifndef PBPF_TOOLS_VLOAD_H
#define PBPF_TOOLS_VLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "pbpf/loader.h"
#include "pbpf/object.h"
#include "pbpf/verifier.h"

struct vload {
    struct pbpf_object *obj;
    size_t prog_idx;
    const struct pbpf_object_prog *prog;
    /* after relocation (pbpf_object_prog_xlated) */
    const struct pbpf_insn *insns;
    size_t cnt;
    struct pbpf_map *const *maps;
    size_t map_cnt;
    uint32_t prog_type, attach_type;
    int gpl;
};

/* Opens the object in buf (copied) and parses it.  *obj is closed by the
 * caller.  Returns 0 or the object reader's error, with its message. */
int vload_object(const void *buf, size_t len, struct pbpf_object **obj, char *msg, size_t msz);

/* Loads program prog_idx of a freshly opened object (it takes obj: after
 * this call vload_close frees it, on failure too), alone: every other
 * program of the object is left out, as libbpf's autoload does.
 * prog_type, when non-zero, overrides the type the section name gives.
 * rt must outlive vl.  Returns 0, or the loader's error with its message
 * (a program the loader refuses, e.g. for a helper its type may not call,
 * never reaches the verifier). */
int vload_prog(struct pbpf_runtime *rt, struct pbpf_object *obj, size_t prog_idx,
               uint32_t prog_type, struct vload *vl, char *msg, size_t msz);
void vload_close(struct vload *vl);

/* Fills the program-dependent fields of verifier options. */
void vload_verifier_opts(const struct vload *vl, struct pbpf_verifier_opts *o);

/* Whether a license string is GPL-compatible (Linux's
 * include/linux/license.h, license_is_gpl_compatible). */
int vload_license_gpl(const char *license);

/* Linux program type by its name as pbpf_prog_type_name() prints it
 * ("xdp", "sched_cls"), or by number; -ENOENT for an unknown name. */
int vload_prog_type_by_name(const char *name, uint32_t *type);

/* The line info entry covering instruction idx (the last one at or before
 * it), or NULL. */
const struct pbpf_object_line_info *vload_line_at(const struct pbpf_object_line_info *li,
                                                  size_t cnt, size_t idx);

#endif
