/* Program types from section names, and the names of Linux's program and
 * attach types.  The tables are sec_def.def and uapi_types.def. */
#include <errno.h>
#include <string.h>

#include "elf/elf.h"
#include "elf/sec_def.def"
#include "elf/uapi_types.def"

enum {
#define PT_ENUM(v, n, s) PT_##n = v,
    PBPF_PROG_TYPE_TABLE(PT_ENUM)
#undef PT_ENUM
};
enum {
#define AT_ENUM(v, n, s) AT_##n = v,
    PBPF_ATTACH_TYPE_TABLE(AT_ENUM)
#undef AT_ENUM
};

#define EXACT 1u
#define PLUS 2u
#define LEGACY 4u
#define SLEEP 8u

struct sec_def {
    const char *name;
    uint32_t prog_type;
    uint32_t attach_type;
    unsigned flags;
};

/* attach 0 stays 0 (AT_CGROUP_INET_INGRESS is also 0, harmlessly) */
#define AT_0 0
static const struct sec_def sec_defs[] = {
#define SEC_ROW(n, pt, at, fl) {n, PT_##pt, AT_##at, fl},
    PBPF_SEC_DEF_TABLE(SEC_ROW)
#undef SEC_ROW
};

int pbpf_elf_sec_def(const char *sec, uint32_t *prog_type, uint32_t *attach_type, int *sleepable,
                     const char **attach_target)
{
    for (size_t i = 0; i < sizeof(sec_defs) / sizeof(sec_defs[0]); i++) {
        const struct sec_def *d = &sec_defs[i];
        size_t n = strlen(d->name);
        const char *target = "";
        if (d->flags & EXACT) {
            if (strcmp(sec, d->name) != 0)
                continue;
        } else if (d->flags & PLUS) {
            if (strncmp(sec, d->name, n) != 0 || (sec[n] != '\0' && sec[n] != '/'))
                continue;
            if (sec[n] == '/')
                target = sec + n + 1;
        } else {
            if (strncmp(sec, d->name, n) != 0)
                continue;
            if (d->name[n - 1] == '/')
                target = sec + n;
        }
        if (prog_type)
            *prog_type = d->prog_type;
        if (attach_type)
            *attach_type = d->attach_type;
        if (sleepable)
            *sleepable = !!(d->flags & SLEEP);
        if (attach_target)
            *attach_target = target;
        return 0;
    }
    return -ENOENT;
}

int pbpf_sec_prog_type(const char *sec, uint32_t *prog_type, uint32_t *attach_type,
                       int *sleepable)
{
    if (!sec)
        return -EINVAL;
    return pbpf_elf_sec_def(sec, prog_type, attach_type, sleepable, NULL);
}

const char *pbpf_prog_type_name(uint32_t prog_type)
{
    static const char *const names[] = {
#define PT_NAME(v, n, s) [v] = s,
        PBPF_PROG_TYPE_TABLE(PT_NAME)
#undef PT_NAME
    };
    return prog_type < sizeof(names) / sizeof(names[0]) ? names[prog_type] : NULL;
}

const char *pbpf_attach_type_name(uint32_t attach_type)
{
    static const char *const names[] = {
#define AT_NAME(v, n, s) [v] = s,
        PBPF_ATTACH_TYPE_TABLE(AT_NAME)
#undef AT_NAME
    };
    return attach_type < sizeof(names) / sizeof(names[0]) ? names[attach_type] : NULL;
}
