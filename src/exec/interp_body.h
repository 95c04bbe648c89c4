/* The interpreter loop, instantiated by interp.c once per flavour:
 *   INTERP_FN       function name
 *   INTERP_CHECKED  1: check every access and charge the budget
 *   INTERP_COUNT    1: count executed instructions
 *   INTERP_DIRECT   1: ops hold label addresses (direct threading),
 *                   0: ops hold xop numbers (indexed threading)
 * Called with prog == NULL it only returns its label table through *r0, so
 * that the loader can build direct-threaded ops.  The run starts at `start`
 * (a callback: a subprogram) with r1..r5 from args, in a fresh stack. */

static int INTERP_FN(struct pbpf_prog *prog, const struct interp_op *ops,
                     const struct interp_op *start, struct pbpf_run_ctx *ctx,
                     const uint64_t *args, uint64_t *r0, uint64_t *executed)
{
#if PBPF_HAVE_COMPUTED_GOTO
    static const void *const labels[PBPF_XOP_COUNT] = {
#define PBPF_X_LABEL(name, ...) [PBPF_XOP_##name] = &&L_##name,
        PBPF_ISA_TABLE(PBPF_X_LABEL)
#undef PBPF_X_LABEL
    };
    if (!prog) {
        *r0 = (uint64_t)(uintptr_t)labels;
        return 0;
    }
#if INTERP_DIRECT
#define DISPATCH() goto *op->u.h
#else
#define DISPATCH() goto *labels[op->u.xop]
#endif
#define CASE(name) L_##name:
#else
    if (!prog)
        return -EOPNOTSUPP;
#define DISPATCH() goto dispatch
#define CASE(name) case PBPF_XOP_##name:
#endif

    uint64_t reg[11];
    /* One 512-byte frame per call level (RFC 9669 ABI: r10 is read-only and
     * points at the top of the current frame). */
    _Alignas(16) uint8_t stack[PBPF_STACK_SIZE * PBPF_MAX_CALL_DEPTH];
    struct {
        const struct interp_op *ret;
        uint64_t saved[5]; /* r6..r10 */
    } frames[PBPF_MAX_CALL_DEPTH];
    unsigned depth = 0;
    const struct interp_op *op = start;
    pbpf_helper_fn const *helpers = prog->helpers;
#if INTERP_COUNT
    uint64_t count = ctx->count;
#else
    uint64_t count = 0;
#endif
#if INTERP_CHECKED
    const uint64_t budget = prog->budget;
    uint64_t fault_addr = 0;
    unsigned fault_size = 0;
    int fault_write = 0;
#endif
    (void)count;

    reg[1] = args[0];
    reg[2] = args[1];
    reg[10] = (uint64_t)(uintptr_t)(stack + sizeof stack);
#if INTERP_CHECKED
    /* Registers r0, r3..r9 start undefined; zero them so that a run is
     * reproducible. */
    reg[3] = args[2];
    reg[4] = args[3];
    reg[5] = args[4];
    reg[0] = reg[6] = reg[7] = reg[8] = reg[9] = 0;
    /* Region 0 is the stack of the live frames: the current frame's 512
     * bytes below r10 and its callers' above.  It grows and shrinks with
     * calls, so a frame cannot reach below its own 512 bytes (Linux's
     * verifier rejects such accesses: "invalid write to stack"). */
    ctx->regions[0].start = (uintptr_t)stack + sizeof stack - PBPF_STACK_SIZE;
    ctx->regions[0].end = (uintptr_t)stack + sizeof stack;
    ctx->regions[0].writable = 1;
#else
    reg[3] = args[2];
    reg[4] = args[3];
    reg[5] = args[4];
    reg[0] = 0;
#endif

#if INTERP_CHECKED
#define CHARGE()                                                                                   \
    do {                                                                                           \
        if (PBPF_UNLIKELY(++count > budget))                                                      \
            goto out_budget;                                                                       \
    } while (0)
#elif INTERP_COUNT
#define CHARGE() (count++)
#else
#define CHARGE() ((void)0)
#endif
#define NEXT()                                                                                     \
    do {                                                                                           \
        op++;                                                                                      \
        CHARGE();                                                                                  \
        DISPATCH();                                                                                \
    } while (0)
#define JUMP(delta)                                                                                \
    do {                                                                                           \
        op += 1 + (delta);                                                                         \
        CHARGE();                                                                                  \
        DISPATCH();                                                                                \
    } while (0)
#define DST reg[op->dst]
#define SRC reg[op->src]
#define IMM ((uint64_t)(int64_t)op->imm) /* RFC 9669 §4.1: sign-extended */
#define IMM32 ((uint32_t)op->imm)
#if INTERP_CHECKED
#define CHECK(a, n, w)                                                                             \
    do {                                                                                           \
        if (PBPF_UNLIKELY(!pbpf_region_ok(ctx, (a), (n), (w)))) {                                 \
            fault_addr = (a);                                                                      \
            fault_size = (n);                                                                      \
            fault_write = (w);                                                                     \
            goto out_fault;                                                                        \
        }                                                                                          \
    } while (0)
#define CHECK_ATOMIC(a, n)                                                                         \
    do {                                                                                           \
        CHECK(a, n, 1);                                                                            \
        if (PBPF_UNLIKELY((a) & ((n)-1))) {                                                        \
            fault_addr = (a);                                                                      \
            goto out_misaligned;                                                                   \
        }                                                                                          \
    } while (0)
#else
#define CHECK(a, n, w) ((void)0)
#define CHECK_ATOMIC(a, n) ((void)0)
#endif
#define ADDR(base) ((uintptr_t)((base) + (uint64_t)(int64_t)op->off))

#define ALU(name, OPER)                                                                            \
    CASE(name##32_K) DST = (uint32_t)((uint32_t)DST OPER IMM32); NEXT();                           \
    CASE(name##32_X) DST = (uint32_t)((uint32_t)DST OPER(uint32_t) SRC); NEXT();                   \
    CASE(name##64_K) DST = DST OPER IMM; NEXT();                                                   \
    CASE(name##64_X) DST = DST OPER SRC; NEXT();
    /* RFC 9669 §4.1: shift amounts are masked to the operand width. */
#define SHIFT(name, OPER, T32, T64)                                                                \
    CASE(name##32_K) DST = (uint32_t)((T32)(uint32_t)DST OPER(IMM32 & 31)); NEXT();                \
    CASE(name##32_X) DST = (uint32_t)((T32)(uint32_t)DST OPER((uint32_t)SRC & 31)); NEXT();        \
    CASE(name##64_K) DST = (uint64_t)((T64)DST OPER(IMM & 63)); NEXT();                            \
    CASE(name##64_X) DST = (uint64_t)((T64)DST OPER(SRC & 63)); NEXT();
#define JCOND(name, CMP)                                                                           \
    CASE(name##_K) if ((uint64_t)DST CMP IMM) JUMP(op->off); NEXT();                               \
    CASE(name##_X) if ((uint64_t)DST CMP SRC) JUMP(op->off); NEXT();                               \
    CASE(name##32_K) if ((uint32_t)DST CMP IMM32) JUMP(op->off); NEXT();                           \
    CASE(name##32_X) if ((uint32_t)DST CMP(uint32_t) SRC) JUMP(op->off); NEXT();
#define JSCOND(name, CMP)                                                                          \
    CASE(name##_K) if ((int64_t)DST CMP(int64_t) op->imm) JUMP(op->off); NEXT();                   \
    CASE(name##_X) if ((int64_t)DST CMP(int64_t) SRC) JUMP(op->off); NEXT();                       \
    CASE(name##32_K) if ((int32_t)DST CMP op->imm) JUMP(op->off); NEXT();                          \
    CASE(name##32_X) if ((int32_t)DST CMP(int32_t) SRC) JUMP(op->off); NEXT();
#define LDX(name, n)                                                                               \
    CASE(LDX_##name)                                                                               \
    {                                                                                              \
        uintptr_t a = ADDR(SRC);                                                                   \
        CHECK(a, n, 0);                                                                            \
        DST = pbpf_load(a, n);                                                                     \
        NEXT();                                                                                    \
    }
#define LDXS(name, n, T)                                                                           \
    CASE(LDXS_##name)                                                                              \
    {                                                                                              \
        uintptr_t a = ADDR(SRC);                                                                   \
        CHECK(a, n, 0);                                                                            \
        DST = (uint64_t)(int64_t)(T)pbpf_load(a, n);                                               \
        NEXT();                                                                                    \
    }
#define ST(name, n)                                                                                \
    CASE(ST_##name)                                                                                \
    {                                                                                              \
        uintptr_t a = ADDR(DST);                                                                   \
        CHECK(a, n, 1);                                                                            \
        pbpf_store(a, n, IMM);                                                                     \
        NEXT();                                                                                    \
    }                                                                                              \
    CASE(STX_##name)                                                                               \
    {                                                                                              \
        uintptr_t a = ADDR(DST);                                                                   \
        CHECK(a, n, 1);                                                                            \
        pbpf_store(a, n, SRC);                                                                     \
        NEXT();                                                                                    \
    }
#define ATOMIC(w, T, name, BUILTIN)                                                                \
    CASE(ATOMIC##w##_##name)                                                                       \
    {                                                                                              \
        uintptr_t a = ADDR(DST);                                                                   \
        CHECK_ATOMIC(a, sizeof(T));                                                                \
        (void)BUILTIN((T *)a, (T)SRC, __ATOMIC_SEQ_CST);                                           \
        NEXT();                                                                                    \
    }                                                                                              \
    CASE(ATOMIC##w##_FETCH_##name)                                                                 \
    {                                                                                              \
        uintptr_t a = ADDR(DST);                                                                   \
        CHECK_ATOMIC(a, sizeof(T));                                                                \
        SRC = (T)BUILTIN((T *)a, (T)SRC, __ATOMIC_SEQ_CST);                                        \
        NEXT();                                                                                    \
    }
#define ATOMICS(w, T)                                                                              \
    ATOMIC(w, T, ADD, __atomic_fetch_add)                                                          \
    ATOMIC(w, T, OR, __atomic_fetch_or)                                                            \
    ATOMIC(w, T, AND, __atomic_fetch_and)                                                          \
    ATOMIC(w, T, XOR, __atomic_fetch_xor)                                                          \
    CASE(ATOMIC##w##_XCHG)                                                                         \
    {                                                                                              \
        uintptr_t a = ADDR(DST);                                                                   \
        CHECK_ATOMIC(a, sizeof(T));                                                                \
        SRC = __atomic_exchange_n((T *)a, (T)SRC, __ATOMIC_SEQ_CST);                               \
        NEXT();                                                                                    \
    }                                                                                              \
    CASE(ATOMIC##w##_CMPXCHG)                                                                      \
    {                                                                                              \
        /* RFC 9669 §5.3: r0 holds the expected value and receives the old */                    \
        uintptr_t a = ADDR(DST);                                                                   \
        T expected = (T)reg[0];                                                                    \
        CHECK_ATOMIC(a, sizeof(T));                                                                \
        __atomic_compare_exchange_n((T *)a, &expected, (T)SRC, 0, __ATOMIC_SEQ_CST,                \
                                    __ATOMIC_SEQ_CST);                                             \
        reg[0] = expected;                                                                         \
        NEXT();                                                                                    \
    }
#define LDPKT(name, n, OFFSET)                                                                     \
    CASE(name)                                                                                     \
    {                                                                                              \
        /* Linux semantics: big-endian load from the packet into r0; out of                      \
         * bounds ends the program with r0 = 0. */                                                 \
        int64_t o = (int64_t)(OFFSET);                                                             \
        if (o < 0 || (uint64_t)o + n > ctx->pkt_len) {                                             \
            reg[0] = 0;                                                                            \
            goto out_exit;                                                                         \
        }                                                                                          \
        uint64_t v = pbpf_load((uintptr_t)(ctx->pkt + o), n);                                     \
        reg[0] = n == 1 ? v : n == 2 ? pbpf_to_be(v, 16) : pbpf_to_be(v, 32);                      \
        NEXT();                                                                                    \
    }

    CHARGE();
#if PBPF_HAVE_COMPUTED_GOTO
    DISPATCH();
#else
dispatch:
    switch (op->u.xop) {
#endif

    ALU(ADD, +)
    ALU(SUB, -)
    ALU(MUL, *)
    ALU(OR, |)
    ALU(AND, &)
    ALU(XOR, ^)
    SHIFT(LSH, <<, uint32_t, uint64_t)
    SHIFT(RSH, >>, uint32_t, uint64_t)
    SHIFT(ARSH, >>, int32_t, int64_t)

    CASE(MOV32_K) DST = IMM32; NEXT();
    CASE(MOV32_X) DST = (uint32_t)SRC; NEXT();
    CASE(MOV64_K) DST = IMM; NEXT();
    CASE(MOV64_X) DST = SRC; NEXT();
    CASE(MOVSX8_32) DST = (uint32_t)(int32_t)(int8_t)SRC; NEXT();
    CASE(MOVSX16_32) DST = (uint32_t)(int32_t)(int16_t)SRC; NEXT();
    CASE(MOVSX8_64) DST = (uint64_t)(int64_t)(int8_t)SRC; NEXT();
    CASE(MOVSX16_64) DST = (uint64_t)(int64_t)(int16_t)SRC; NEXT();
    CASE(MOVSX32_64) DST = (uint64_t)(int64_t)(int32_t)SRC; NEXT();
    CASE(NEG32) DST = (uint32_t)(0u - (uint32_t)DST); NEXT();
    CASE(NEG64) DST = 0u - DST; NEXT();

    /* RFC 9669 §4.1: division by zero gives 0, modulo by zero leaves dst
     * (truncated to 32 bits for ALU); signed overflow (INT_MIN / -1) wraps. */
    CASE(DIV32_K) DST = IMM32 ? (uint32_t)DST / IMM32 : 0; NEXT();
    CASE(DIV32_X) DST = (uint32_t)SRC ? (uint32_t)DST / (uint32_t)SRC : 0; NEXT();
    CASE(DIV64_K) DST = IMM ? DST / IMM : 0; NEXT();
    CASE(DIV64_X) DST = SRC ? DST / SRC : 0; NEXT();
    CASE(MOD32_K) DST = IMM32 ? (uint32_t)DST % IMM32 : (uint32_t)DST; NEXT();
    CASE(MOD32_X) DST = (uint32_t)SRC ? (uint32_t)DST % (uint32_t)SRC : (uint32_t)DST; NEXT();
    CASE(MOD64_K) DST = IMM ? DST % IMM : DST; NEXT();
    CASE(MOD64_X) DST = SRC ? DST % SRC : DST; NEXT();
    CASE(SDIV32_K) DST = (uint32_t)interp_sdiv32((int32_t)DST, op->imm); NEXT();
    CASE(SDIV32_X) DST = (uint32_t)interp_sdiv32((int32_t)DST, (int32_t)SRC); NEXT();
    CASE(SDIV64_K) DST = (uint64_t)interp_sdiv64((int64_t)DST, op->imm); NEXT();
    CASE(SDIV64_X) DST = (uint64_t)interp_sdiv64((int64_t)DST, (int64_t)SRC); NEXT();
    CASE(SMOD32_K) DST = (uint32_t)interp_smod32((int32_t)DST, op->imm); NEXT();
    CASE(SMOD32_X) DST = (uint32_t)interp_smod32((int32_t)DST, (int32_t)SRC); NEXT();
    CASE(SMOD64_K) DST = (uint64_t)interp_smod64((int64_t)DST, op->imm); NEXT();
    CASE(SMOD64_X) DST = (uint64_t)interp_smod64((int64_t)DST, (int64_t)SRC); NEXT();

    CASE(LE16) DST = pbpf_to_le(DST, 16); NEXT();
    CASE(LE32) DST = pbpf_to_le(DST, 32); NEXT();
    CASE(LE64) DST = pbpf_to_le(DST, 64); NEXT();
    CASE(BE16) DST = pbpf_to_be(DST, 16); NEXT();
    CASE(BE32) DST = pbpf_to_be(DST, 32); NEXT();
    CASE(BE64) DST = pbpf_to_be(DST, 64); NEXT();
    CASE(BSWAP16) DST = pbpf_bswap16((uint16_t)DST); NEXT();
    CASE(BSWAP32) DST = pbpf_bswap32((uint32_t)DST); NEXT();
    CASE(BSWAP64) DST = pbpf_bswap64(DST); NEXT();

    JCOND(JEQ, ==)
    JCOND(JNE, !=)
    JCOND(JGT, >)
    JCOND(JGE, >=)
    JCOND(JLT, <)
    JCOND(JLE, <=)
    JSCOND(JSGT, >)
    JSCOND(JSGE, >=)
    JSCOND(JSLT, <)
    JSCOND(JSLE, <=)
    CASE(JSET_K) if (DST & IMM) JUMP(op->off); NEXT();
    CASE(JSET_X) if (DST & SRC) JUMP(op->off); NEXT();
    CASE(JSET32_K) if ((uint32_t)DST & IMM32) JUMP(op->off); NEXT();
    CASE(JSET32_X) if ((uint32_t)DST & (uint32_t)SRC) JUMP(op->off); NEXT();
    CASE(JA) JUMP(op->off);
    CASE(JA32) JUMP(op->imm);

    CASE(LDDW)
    {
        DST = (uint64_t)(uint32_t)op[0].imm | ((uint64_t)(uint32_t)op[1].imm << 32);
        op++;
        NEXT();
    }
    /* The pseudo forms are resolved by the loader before a program reaches
     * an engine; pbpf_prog_load refuses them. */
    CASE(LDDW_SRC1)
    CASE(LDDW_SRC2)
    CASE(LDDW_SRC3)
    CASE(LDDW_SRC4)
    CASE(LDDW_SRC5)
    CASE(LDDW_SRC6)
    CASE(CALL_KFUNC)
    goto out_unsupported;

    LDX(W, 4)
    LDX(H, 2)
    LDX(B, 1)
    LDX(DW, 8)
    LDXS(W, 4, int32_t)
    LDXS(H, 2, int16_t)
    LDXS(B, 1, int8_t)
    ST(W, 4)
    ST(H, 2)
    ST(B, 1)
    ST(DW, 8)
    ATOMICS(32, uint32_t)
    ATOMICS(64, uint64_t)

    LDPKT(LDABS_W, 4, op->imm)
    LDPKT(LDABS_H, 2, op->imm)
    LDPKT(LDABS_B, 1, op->imm)
    LDPKT(LDIND_W, 4, (int32_t)((uint32_t)SRC + IMM32))
    LDPKT(LDIND_H, 2, (int32_t)((uint32_t)SRC + IMM32))
    LDPKT(LDIND_B, 1, (int32_t)((uint32_t)SRC + IMM32))

    CASE(CALL)
    {
#if INTERP_COUNT
        ctx->count = count; /* callbacks run on the same budget */
#endif
        reg[0] = helpers[(uint32_t)op->imm](reg[1], reg[2], reg[3], reg[4], reg[5], ctx);
#if INTERP_COUNT
        count = ctx->count;
#endif
        if (PBPF_UNLIKELY(ctx->err))
            goto out_helper;
        NEXT();
    }
    CASE(CALLX)
    {
        /* callx (Linux/uBPF extension, 0x8d): the register holds a helper id. */
        uint64_t id = DST;
        if (PBPF_UNLIKELY(id >= PBPF_HELPER_MAX || !helpers[id]))
            goto out_callx;
#if INTERP_COUNT
        ctx->count = count;
#endif
        reg[0] = helpers[id](reg[1], reg[2], reg[3], reg[4], reg[5], ctx);
#if INTERP_COUNT
        count = ctx->count;
#endif
        if (PBPF_UNLIKELY(ctx->err))
            goto out_helper;
        NEXT();
    }
    CASE(CALL_LOCAL)
    {
        if (PBPF_UNLIKELY(depth + 1 >= PBPF_MAX_CALL_DEPTH))
            goto out_depth;
        frames[depth].ret = op + 1;
        memcpy(frames[depth].saved, &reg[6], sizeof frames[depth].saved);
        depth++;
        reg[10] -= PBPF_STACK_SIZE;
#if INTERP_CHECKED
        ctx->regions[0].start -= PBPF_STACK_SIZE;
#endif
        JUMP(op->imm);
    }
    CASE(EXIT)
    {
        if (depth == 0)
            goto out_exit;
        depth--;
        memcpy(&reg[6], frames[depth].saved, sizeof frames[depth].saved);
#if INTERP_CHECKED
        ctx->regions[0].start += PBPF_STACK_SIZE;
#endif
        op = frames[depth].ret;
        CHARGE();
        DISPATCH();
    }

#if !PBPF_HAVE_COMPUTED_GOTO
    default:
        goto out_unsupported;
    }
#endif

out_exit:
    *r0 = reg[0];
    ctx->count = count;
    if (executed)
        *executed = count;
    return 0;
out_helper:
    if (ctx->err == PBPF_RUN_TAIL_CALL) {
        /* bpf_tail_call: the target replaces the program in the same frame
         * (r1 kept, r10 the frame's top) and does not return here */
        ctx->err = 0;
        if (PBPF_UNLIKELY(depth != 0)) {
            /* from a subprogram: the target replaces the subprogram, whose
             * caller gets the target's r0 (calls.c) */
#if INTERP_COUNT
            ctx->count = count;
#endif
            int rc = pbpf_tail_call_nested(ctx, prog, reg[1], INTERP_COUNT && !INTERP_CHECKED,
                                           &reg[0]);
#if INTERP_COUNT
            count = ctx->count;
#endif
            if (PBPF_UNLIKELY(rc)) {
                if (executed)
                    *executed = count;
                return rc;
            }
            depth--;
            memcpy(&reg[6], frames[depth].saved, sizeof frames[depth].saved);
#if INTERP_CHECKED
            ctx->regions[0].start += PBPF_STACK_SIZE;
#endif
            op = frames[depth].ret;
            CHARGE();
            DISPATCH();
        }
        prog = ctx->tail_target;
        ops = prog->ops + (INTERP_DIRECT ? prog->cnt : 0);
        helpers = prog->helpers;
        reg[0] = reg[2] = reg[3] = reg[4] = reg[5] = 0;
        reg[6] = reg[7] = reg[8] = reg[9] = 0;
        op = ops;
        CHARGE();
        DISPATCH();
    }
    if (executed)
        *executed = count;
    if (ctx->err_pc == (size_t)-1)
        ctx->err_pc = (size_t)(op - ops);
    return ctx->err;
out_callx:
    if (executed)
        *executed = count;
    return pbpf_run_fail(ctx, -EINVAL, (size_t)(op - ops), "callx to unknown helper %llu",
                         (unsigned long long)reg[op->dst]);
out_depth:
    if (executed)
        *executed = count;
    return pbpf_run_fail(ctx, -E2BIG, (size_t)(op - ops), "call depth exceeds %d frames",
                         PBPF_MAX_CALL_DEPTH);
out_unsupported:
    if (executed)
        *executed = count;
    return pbpf_run_fail(ctx, -EOPNOTSUPP, (size_t)(op - ops),
                         "instruction needs the object loader (unresolved pseudo instruction)");
#if INTERP_CHECKED
out_budget:
    if (executed)
        *executed = count - 1;
    return pbpf_run_fail(ctx, -ELOOP, (size_t)(op - ops),
                         "instruction budget of %llu exhausted", (unsigned long long)budget);
out_fault:
    if (executed)
        *executed = count;
    return pbpf_run_fail(ctx, -EFAULT, (size_t)(op - ops),
                         "invalid %s of %u bytes at 0x%llx (outside every known region)",
                         fault_write ? "write" : "read", fault_size,
                         (unsigned long long)fault_addr);
out_misaligned:
    if (executed)
        *executed = count;
    return pbpf_run_fail(ctx, -EFAULT, (size_t)(op - ops),
                         "misaligned atomic access at 0x%llx", (unsigned long long)fault_addr);
#endif

#undef DISPATCH
#undef CASE
#undef CHARGE
#undef NEXT
#undef JUMP
#undef DST
#undef SRC
#undef IMM
#undef IMM32
#undef CHECK
#undef CHECK_ATOMIC
#undef ADDR
#undef ALU
#undef SHIFT
#undef JCOND
#undef JSCOND
#undef LDX
#undef LDXS
#undef ST
#undef ATOMIC
#undef ATOMICS
#undef LDPKT
}
