/* The verifier's entry point (first version: structural and control-flow
 * checks, register initialisation along every path of straight-line ALU
 * code; memory, calls and pointer types follow). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "isa/isa.h"
#include "pbpf/verifier.h"
#include "platform/platform.h"

struct vlog {
    char *buf;
    size_t size, len;
};

static void vlog(struct vlog *l, const char *fmt, ...)
{
    if (!l->buf || !l->size || l->len + 1 >= l->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->buf + l->len, l->size - l->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len = l->len + (size_t)n < l->size ? l->len + (size_t)n : l->size - 1;
}

int pbpf_verify(const struct pbpf_insn *insns, size_t cnt, const struct pbpf_verifier_opts *opts,
                struct pbpf_verifier_stats *stats)
{
    struct vlog l = {opts ? opts->log_buf : NULL, opts ? opts->log_size : 0, 0};
    if (l.buf && l.size)
        l.buf[0] = 0;
    if (stats)
        memset(stats, 0, sizeof *stats);
    uint64_t t0 = pbpf_time_mono_ns();
    char msg[200];
    size_t bad;
    int rc = pbpf_isa_validate(insns, cnt, msg, sizeof msg, &bad);
    if (rc) {
        vlog(&l, "%s\n", msg);
        return rc;
    }
    /* walk the straight-line code, tracking which registers are set */
    uint16_t init = (1u << 1) | (1u << 10) | (opts && opts->prog_type == 0 ? 1u << 2 : 0);
    for (size_t pc = 0; pc < cnt; pc++) {
        const struct pbpf_insn *in = &insns[pc];
        uint8_t cls = PBPF_CLASS(in->code), dst = PBPF_INSN_DST(in), src = PBPF_INSN_SRC(in);
        if (stats)
            stats->processed_insns++;
        if (cls == PBPF_CLS_ALU || cls == PBPF_CLS_ALU64) {
            uint8_t op = PBPF_OP(in->code);
            if ((in->code & PBPF_SRC_X) && !(init & (1u << src))) {
                vlog(&l, "%zu: R%u !read_ok\n", pc, src);
                return -EACCES;
            }
            if (op != PBPF_ALU_MOV && !(init & (1u << dst))) {
                vlog(&l, "%zu: R%u !read_ok\n", pc, dst);
                return -EACCES;
            }
            init |= (uint16_t)(1u << dst);
        } else if (in->code == PBPF_OPCODE_LDDW && src == 0) {
            init |= (uint16_t)(1u << dst);
            pc++;
        } else if (in->code == PBPF_OPCODE_EXIT) {
            if (!(init & 1u)) {
                vlog(&l, "%zu: R0 !read_ok\n", pc);
                return -EACCES;
            }
            if (stats)
                stats->time_ns = pbpf_time_mono_ns() - t0;
            return 0;
        } else {
            vlog(&l, "%zu: instruction 0x%02x is not handled by this verifier yet\n", pc,
                 in->code);
            return -EINVAL;
        }
    }
    vlog(&l, "last insn is not an exit or jmp\n");
    return -EINVAL;
}
