/* Raw-convention programs in the kernel; see kdiff.h.
 *
 * The program under test becomes a bpf-to-bpf subprogram of a small XDP
 * main program rather than being patched in place:
 *
 *   main:  r6 = ctx
 *          r2 = ctx->data; r3 = ctx->data_end
 *          if r2 + 8 + LEN > r3 goto fail      (tells the verifier the range)
 *          r1 = r2 + 8; r2 = LEN               (or r1 = r2 = 0 without memory)
 *          call code                           (pseudo call, src = 1)
 *          r2 = ctx->data; r3 = ctx->data_end  (packet pointers are re-derived:
 *          if r2 + 8 > r3 goto fail             a call may invalidate them)
 *          *(u64 *)(r2 + 0) = r0               (all 64 bits, read from data_out)
 *          r0 = XDP_PASS; exit
 *   fail:  r0 = XDP_ABORTED; exit
 *   code:  the instructions, unchanged
 *
 * Every exit of the code's outer frame thus returns into main with the full
 * r0, and exits of its own local functions return where they always did, so
 * no instruction of the code needs rewriting: its jump offsets and local
 * call immediates are relative and the code moves as one block.  Linux
 * keeps r6-r9 of the caller across a bpf-to-bpf call, so r6 still holds the
 * context afterwards.  The subprogram runs on its own stack frame of up to
 * 512 bytes; main uses none, and the combined limit of 512 bytes counts
 * main as 0 when the JIT is on (verifier.c: round_up_stack_depth()).
 *
 * XDP_PASS as the return value tells the caller the store happened. */
#include "kdiff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_insn.h"
#include "kbpf.h"

/* struct xdp_md (Linux uapi): u32 data at 0, u32 data_end at 4 */
#define XDP_MD_DATA 0
#define XDP_MD_DATA_END 4
#define XDP_ABORTED 0
#define XDP_PASS 2
/* Linux's XDP test run refuses packets shorter than an Ethernet header */
#define KDIFF_MIN_PACKET 14u

int kdiff_wrap(const struct pbpf_insn *insns, size_t cnt, int mem, size_t mem_len,
               struct pbpf_insn **out, size_t *out_cnt)
{
    if (!insns || !cnt)
        return -EINVAL;
    if (mem_len > KDIFF_MAX_MEM || (!mem && mem_len))
        return -E2BIG;
    int32_t need = (int32_t)(KDIFF_RESULT_BYTES + mem_len);
    const struct pbpf_insn head[] = {
        /* 0 */ MOV64_X(6, 1),
        /* 1 */ LDX(PBPF_SIZE_W, 2, 6, XDP_MD_DATA),
        /* 2 */ LDX(PBPF_SIZE_W, 3, 6, XDP_MD_DATA_END),
        /* 3 */ MOV64_X(4, 2),
        /* 4 */ ALU64_K(PBPF_ALU_ADD, 4, need),
        /* 5 */ JMP_X(PBPF_JMP_JGT, 4, 3, 12), /* -> 18 */
        /* 6 */ mem ? MOV64_X(1, 2) : MOV64_K(1, 0),
        /* 7 */ ALU64_K(PBPF_ALU_ADD, 1, mem ? (int32_t)KDIFF_RESULT_BYTES : 0),
        /* 8 */ MOV64_K(2, (int32_t)mem_len),
        /* 9 */ CALL_LOCAL(10), /* -> 20 */
        /* 10 */ LDX(PBPF_SIZE_W, 2, 6, XDP_MD_DATA),
        /* 11 */ LDX(PBPF_SIZE_W, 3, 6, XDP_MD_DATA_END),
        /* 12 */ MOV64_X(4, 2),
        /* 13 */ ALU64_K(PBPF_ALU_ADD, 4, (int32_t)KDIFF_RESULT_BYTES),
        /* 14 */ JMP_X(PBPF_JMP_JGT, 4, 3, 3), /* -> 18 */
        /* 15 */ STX(PBPF_SIZE_DW, 2, 0, 0),
        /* 16 */ MOV64_K(0, XDP_PASS),
        /* 17 */ EXIT(),
        /* 18 */ MOV64_K(0, XDP_ABORTED),
        /* 19 */ EXIT(),
    };
    size_t nh = sizeof head / sizeof head[0];
    if (cnt > (size_t)1 << 20)
        return -E2BIG;
    struct pbpf_insn *p = malloc((nh + cnt) * sizeof *p);
    if (!p)
        return -ENOMEM;
    memcpy(p, head, sizeof head);
    memcpy(p + nh, insns, cnt * sizeof *p);
    *out = p;
    *out_cnt = nh + cnt;
    return 0;
}

int kdiff_run(const struct pbpf_insn *insns, size_t cnt, const void *mem, size_t mem_len,
              struct kdiff_result *res)
{
    res->r0 = 0;
    res->rejected = 0;
    res->reason[0] = '\0';
    struct pbpf_insn *prog;
    size_t prog_cnt;
    int err = kdiff_wrap(insns, cnt, mem != NULL, mem_len, &prog, &prog_cnt);
    if (err) {
        snprintf(res->reason, sizeof res->reason, "kdiff_wrap: %s", strerror(-err));
        return err;
    }
    struct kbpf_load_opts lo = {
        .prog_type = KBPF_PROG_XDP, .insns = prog, .insn_cnt = prog_cnt, .name = "kdiff"};
    int fd = kbpf_prog_load(&lo);
    free(prog);
    if (fd < 0) {
        res->rejected = 1;
        snprintf(res->reason, sizeof res->reason, "%s", lo.reason);
        return fd;
    }
    size_t size = KDIFF_RESULT_BYTES + mem_len;
    if (size < KDIFF_MIN_PACKET)
        size = KDIFF_MIN_PACKET;
    uint8_t in[KDIFF_RESULT_BYTES + KDIFF_MAX_MEM + KDIFF_MIN_PACKET];
    uint8_t out[sizeof in];
    memset(in, 0, size);
    if (mem_len)
        memcpy(in + KDIFF_RESULT_BYTES, mem, mem_len);
    struct kbpf_test_run run = {.data_in = in,
                                .data_size_in = (uint32_t)size,
                                .data_out = out,
                                .data_size_out = (uint32_t)sizeof out};
    err = kbpf_prog_test_run(fd, &run);
    kbpf_close(fd);
    if (err) {
        snprintf(res->reason, sizeof res->reason, "BPF_PROG_TEST_RUN: %s", strerror(-err));
        return err;
    }
    if (run.retval != XDP_PASS || run.data_size_out != size) {
        snprintf(res->reason, sizeof res->reason,
                 "the wrapper did not store r0 (XDP action %u, %u bytes out)", run.retval,
                 run.data_size_out);
        return -EIO;
    }
    /* the program stored r0 in host byte order; read it back the same way */
    uint64_t r0 = 0;
    memcpy(&r0, out, sizeof r0);
    res->r0 = r0;
    if (res->mem_out && mem_len)
        memcpy(res->mem_out, out + KDIFF_RESULT_BYTES, mem_len);
    return 0;
}

int kdiff_run_insns(const struct pbpf_insn *insns, size_t cnt, const void *mem, size_t mem_len,
                    uint64_t *r0_kernel)
{
    struct kdiff_result res = {0};
    int err = kdiff_run(insns, cnt, mem, mem_len, &res);
    if (!err)
        *r0_kernel = res.r0;
    return err;
}
