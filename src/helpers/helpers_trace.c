/* Helpers that answer what a tracing program's attachment knows: the
 * address of the probed function (bpf_get_func_ip) and the cookie the
 * attachment was made with (bpf_get_attach_cookie).  pbpf has no kernel
 * to probe: the caller of the run gives both (pbpf_test_run_opts func_ip
 * and attach_cookie, kept in the run context); a run that gave none gets
 * 0, as Linux answers for a kprobe that is not at a function's entry and
 * for a link made without a cookie.  Which program types may call them is
 * the prototype table's business (helper_proto.def).
 *
 * bpf_get_func_arg, bpf_get_func_ret and bpf_get_func_arg_cnt read the
 * frame of a BPF trampoline, which only TRACING programs (fentry, fexit,
 * fmod_ret) have; pbpf has no TRACING programs, so they have prototypes
 * (the verifier refuses them to other types in Linux's words) and no
 * implementation. */
#include "exec/exec.h"
#include "helpers/helpers.h"

/* bpf_get_func_ip (173) */
static uint64_t h_get_func_ip(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                              struct pbpf_run_ctx *ctx)
{
    (void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
    return ctx->func_ip;
}

/* bpf_get_attach_cookie (174) */
static uint64_t h_get_attach_cookie(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                    uint64_t r5, struct pbpf_run_ctx *ctx)
{
    (void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
    return ctx->attach_cookie;
}

void pbpf_helpers_register_trace(struct pbpf_runtime *rt)
{
    pbpf_runtime_set_helper(rt, 173, h_get_func_ip, NULL);
    pbpf_runtime_set_helper(rt, 174, h_get_attach_cookie, NULL);
}
