/* libFuzzer target: any byte string given to the object parser must come
 * back as an object or as an error with a message — never a crash, a hang,
 * a leak or an out-of-bounds access (ASan/UBSan watch). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pbpf/object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pbpf_object *obj = NULL;
    char log[256];
    PBPF_OPTS(pbpf_object_opts, opts, .log_buf = log, .log_size = sizeof(log));
    int rc;

    log[0] = '\0';
    rc = pbpf_object_open_mem(data, size, &opts, &obj);
    if (rc) {
        if (!log[0])
            __builtin_trap(); /* every error must say what and where */
        return 0;
    }
    /* touch everything the description points to */
    for (size_t i = 0; i < pbpf_object_prog_cnt(obj); i++) {
        const struct pbpf_object_prog *p = pbpf_object_prog(obj, i);
        volatile uint64_t sum = strlen(p->name) + strlen(p->section) + strlen(p->attach_target);
        for (size_t k = 0; k < p->insn_cnt; k++)
            sum += p->insns[k].code;
        for (size_t k = 0; k < p->relo_cnt; k++)
            if (p->relos[k].insn_idx >= p->insn_cnt)
                __builtin_trap();
        for (size_t k = 0; k < p->line_info_cnt; k++)
            sum += strlen(p->line_info[k].file) + strlen(p->line_info[k].line);
        (void)sum;
    }
    for (size_t i = 0; i < pbpf_object_map_cnt(obj); i++) {
        const struct pbpf_object_map *m = pbpf_object_map(obj, i);
        volatile size_t sum = strlen(m->name);
        if (m->data)
            for (size_t k = 0; k < m->data_size; k++)
                sum += m->data[k];
        (void)sum;
    }
    pbpf_object_close(obj);
    return 0;
}
