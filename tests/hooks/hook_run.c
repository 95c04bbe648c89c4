/* Test runs on every engine and in the kernel (hook_run.h). */
#include "hook_run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kbpf.h"
#include "pbpf/hooks.h"
#include "unit.h"

void hr_pbpf_test(struct pbpf_prog *prog, const struct hr_input *in, struct hr_result *r,
                  char *err, size_t err_size)
{
    memset(r, 0, sizeof *r);
    PBPF_OPTS(pbpf_test_run_opts, o, .data_in = in->data, .data_size_in = in->size,
              .data_out = in->data_room ? r->data : NULL, .data_size_out = in->data_room,
              .ctx_in = in->ctx, .ctx_size_in = in->ctx_size,
              .ctx_out = in->ctx_room ? r->ctx : NULL, .ctx_size_out = in->ctx_room,
              .repeat = in->repeat, .err_buf = err, .err_size = err_size);
    r->rc = pbpf_prog_test_run(prog, &o);
    r->retval = o.retval;
    r->data_size_out = o.data_size_out;
    r->ctx_size_out = o.ctx_size_out;
    r->redirect_type = o.redirect_type;
    r->redirect_ifindex = o.redirect_ifindex;
    r->redirect_flags = o.redirect_flags;
    r->msg_apply_bytes = o.msg_apply_bytes;
    r->msg_cork_bytes = o.msg_cork_bytes;
}

void hr_kernel_test(int fd, const struct hr_input *in, struct hr_result *r)
{
    memset(r, 0, sizeof *r);
    struct kbpf_test_run k = {.data_in = in->data, .data_size_in = in->size,
                              .data_out = in->data_room ? r->data : NULL,
                              .data_size_out = in->data_room, .ctx_in = in->ctx,
                              .ctx_size_in = in->ctx_size,
                              .ctx_out = in->ctx_room ? r->ctx : NULL,
                              .ctx_size_out = in->ctx_room, .repeat = (uint32_t)in->repeat};
    r->rc = kbpf_prog_test_run(fd, &k);
    r->retval = k.retval;
    r->data_size_out = k.data_size_out;
    r->ctx_size_out = k.ctx_size_out;
}

int hr_same(const struct hr_result *a, const struct hr_result *b, const struct hr_input *in,
            char *why, size_t why_size)
{
    if (a->rc != b->rc) {
        snprintf(why, why_size, "rc %d vs %d", a->rc, b->rc);
        return 0;
    }
    if (a->rc && a->rc != -ENOSPC)
        return 1;
    if (a->retval != b->retval) {
        snprintf(why, why_size, "retval 0x%x vs 0x%x", a->retval, b->retval);
        return 0;
    }
    if (in->data_room && a->data_size_out != b->data_size_out) {
        snprintf(why, why_size, "data_size_out %u vs %u", a->data_size_out, b->data_size_out);
        return 0;
    }
    uint32_t n = a->data_size_out < in->data_room ? a->data_size_out : in->data_room;
    for (uint32_t i = 0; i < n; i++)
        if (a->data[i] != b->data[i]) {
            snprintf(why, why_size, "data_out[%u] 0x%02x vs 0x%02x", i, a->data[i], b->data[i]);
            return 0;
        }
    if (in->ctx_room && a->ctx_size_out != b->ctx_size_out) {
        snprintf(why, why_size, "ctx_size_out %u vs %u", a->ctx_size_out, b->ctx_size_out);
        return 0;
    }
    n = a->ctx_size_out < in->ctx_room ? a->ctx_size_out : in->ctx_room;
    for (uint32_t i = 0; i < n; i++)
        if (a->ctx[i] != b->ctx[i]) {
            snprintf(why, why_size, "ctx_out[%u] 0x%02x vs 0x%02x", i, a->ctx[i], b->ctx[i]);
            return 0;
        }
    return 1;
}

void hr_run_prog(struct pbpf_runtime *rt, const struct pbpf_object_prog *op,
                 const struct hr_input *ins, size_t nin, struct hr_result *first, int kernel,
                 struct hr_counts *counts)
{
    static const struct {
        enum pbpf_engine e;
        enum pbpf_mode m;
        const char *name;
    } engines[] = {{PBPF_ENGINE_INTERP, PBPF_MODE_CHECKED, "interp/checked"},
                   {PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, "interp/verified"},
                   {PBPF_ENGINE_JIT, PBPF_MODE_VERIFIED, "jit"}};
    int kfd = -1;
    if (kernel) {
        struct kbpf_load_opts lo = {.prog_type = op->prog_type,
                                    .expected_attach_type = op->expected_attach_type,
                                    .insns = op->insns, .insn_cnt = op->insn_cnt,
                                    .name = op->name};
        kfd = kbpf_prog_load(&lo);
        if (kfd < 0)
            unit_fail(__FILE__, __LINE__, "%s: the kernel refuses it: %s", op->name, lo.reason);
    }
    static struct hr_result r, k;
    for (size_t e = 0; e < sizeof engines / sizeof engines[0]; e++) {
        char log[512] = "";
        struct pbpf_prog *prog = NULL;
        PBPF_OPTS(pbpf_prog_opts, po, .engine = engines[e].e, .mode = engines[e].m,
                  .prog_type = op->prog_type, .expected_attach_type = op->expected_attach_type,
                  .license = "GPL", /* as the kernel's load (kbpf's default) */
                  .log_buf = log, .log_size = sizeof log);
        int rc = pbpf_prog_load(rt, op->insns, op->insn_cnt, &po, &prog);
        if (rc == -EOPNOTSUPP && engines[e].e == PBPF_ENGINE_JIT)
            continue; /* no JIT for this CPU */
        if (rc) {
            unit_fail(__FILE__, __LINE__, "%s on %s: load: %s", op->name, engines[e].name, log);
            continue;
        }
        for (size_t i = 0; i < nin; i++) {
            char err[200] = "", why[128];
            hr_pbpf_test(prog, &ins[i], &r, err, sizeof err);
            if (e == 0)
                first[i] = r;
            else if (!hr_same(&first[i], &r, &ins[i], why, sizeof why))
                unit_fail(__FILE__, __LINE__, "%s input %zu: %s differs from interp/checked: %s",
                          op->name, i, engines[e].name, why);
            counts->runs++;
            if (e == 0 && kfd >= 0) {
                hr_kernel_test(kfd, &ins[i], &k);
                counts->kernel++;
                if (!hr_same(&k, &r, &ins[i], why, sizeof why))
                    unit_fail(__FILE__, __LINE__,
                              "%s input %zu: pbpf differs from Linux: %s (pbpf: %s)", op->name,
                              i, why, err);
            }
        }
        pbpf_prog_free(prog);
    }
    kbpf_close(kfd);
}

struct pbpf_object *hr_open_obj(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        unit_fail(__FILE__, __LINE__, "cannot open %s", path);
        return NULL;
    }
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    struct pbpf_object *obj = NULL;
    char msg[256];
    PBPF_OPTS(pbpf_object_opts, oo, .log_buf = msg, .log_size = sizeof msg);
    if (pbpf_object_open_mem(buf, n, &oo, &obj))
        unit_fail(__FILE__, __LINE__, "%s: %s", path, msg);
    return obj;
}

const struct pbpf_object_prog *hr_find_prog(struct pbpf_object *obj, const char *name)
{
    for (size_t i = 0; obj && i < pbpf_object_prog_cnt(obj); i++)
        if (strcmp(pbpf_object_prog(obj, i)->name, name) == 0)
            return pbpf_object_prog(obj, i);
    unit_fail(__FILE__, __LINE__, "no program %s", name);
    return NULL;
}
