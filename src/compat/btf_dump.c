/* libbpf's btf_dump (BTF as C) over pbpf's dumper, src/btf/btf_dump_c.c,
 * which `pbpf btf dump ... format c` uses too.  Only the C half: the
 * value printer btf_dump__dump_type_data is not provided. */
#include <stdlib.h>

#include "bpf/btf.h"
#include "btf/btf_dump_c.h"
#include "compat/compat.h"

struct btf_dump {
    struct pbpf_btf_cdump *d;
};

struct btf_dump *btf_dump__new(const struct btf *btf, btf_dump_printf_fn_t printf_fn, void *ctx,
                               const struct btf_dump_opts *opts)
{
    if (!btf || !printf_fn)
        return compat_err_ptr(-EINVAL);
    /* libbpf 1.1 checks that no field past sz is set; btf_dump_opts
     * has none, so any sz of at least its own size is accepted */
    if (opts && opts->sz < sizeof(size_t))
        return compat_err_ptr(-EINVAL);
    struct btf_dump *d = calloc(1, sizeof *d);
    if (!d)
        return compat_err_ptr(-ENOMEM);
    d->d = pbpf_btf_cdump_new(compat_btf_core(btf), printf_fn, ctx);
    if (!d->d) {
        free(d);
        return compat_err_ptr(-ENOMEM);
    }
    return d;
}

void btf_dump__free(struct btf_dump *d)
{
    if (!d)
        return;
    pbpf_btf_cdump_free(d->d);
    free(d);
}

int btf_dump__dump_type(struct btf_dump *d, __u32 id)
{
    if (!d)
        return compat_err(-EINVAL);
    return compat_err(pbpf_btf_cdump_type(d->d, id));
}

int btf_dump__emit_type_decl(struct btf_dump *d, __u32 id,
                             const struct btf_dump_emit_type_decl_opts *opts)
{
    if (!d)
        return compat_err(-EINVAL);
    const char *name = COMPAT_OPT(opts, struct btf_dump_emit_type_decl_opts, field_name, NULL);
    int indent = COMPAT_OPT(opts, struct btf_dump_emit_type_decl_opts, indent_level, 0);
    bool strip = COMPAT_OPT(opts, struct btf_dump_emit_type_decl_opts, strip_mods, false);
    if (indent < 0)
        return compat_err(-EINVAL);
    return compat_err(pbpf_btf_cdump_decl(d->d, id, name, indent, strip));
}
