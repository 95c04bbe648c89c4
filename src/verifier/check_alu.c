/* ALU and ALU64 instructions: operand checks, scalar arithmetic (bounds.c)
 * and pointer arithmetic with Linux's rules and messages
 * (check_alu_op, adjust_ptr_min_max_vals). */
#include <errno.h>
#include <string.h>

#include "verifier/vstate.h"

/* Linux's BPF_MAX_VAR_OFF */
#define MAX_VAR_OFF (1ll << 29)

static const char *alu_str(uint8_t op)
{
    static const char *s[16] = {"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=",
                                "neg", "%=", "^=", "=", "s>>=", "endian", "?", "?"};
    return s[op >> 4];
}

static bool is_ptr(const struct vreg *r) { return r->type != SCALAR_VALUE && r->type != NOT_INIT; }

static int check_reserved(struct venv *e, const struct pbpf_insn *in)
{
    uint8_t op = PBPF_OP(in->code);
    bool x = (in->code & PBPF_SRC_X) != 0, alu64 = PBPF_CLASS(in->code) == PBPF_CLS_ALU64;
    uint32_t src = PBPF_INSN_SRC(in);
    switch (op) {
    case PBPF_ALU_NEG:
        if (x || src || in->off || in->imm)
            return verr(e, -EINVAL, "BPF_NEG uses reserved fields");
        return 0;
    case PBPF_ALU_END:
        if (src || in->off || (in->imm != 16 && in->imm != 32 && in->imm != 64) ||
            (alu64 && x))
            return verr(e, -EINVAL, "BPF_END uses reserved fields");
        return 0;
    case PBPF_ALU_MOV:
        if (x) {
            if (in->imm || (in->off != 0 && in->off != 8 && in->off != 16 &&
                            !(alu64 && in->off == 32)))
                return verr(e, -EINVAL, "BPF_MOV uses reserved fields");
        } else if (src || in->off) {
            return verr(e, -EINVAL, "BPF_MOV uses reserved fields");
        }
        return 0;
    case 0xe0:
    case 0xf0:
        return verr(e, -EINVAL, "invalid BPF_ALU opcode %x", op);
    default: {
        bool sdiv = (op == PBPF_ALU_DIV || op == PBPF_ALU_MOD) && in->off == 1;
        if (x ? (in->imm || (in->off && !sdiv)) : (src || (in->off && !sdiv)))
            return verr(e, -EINVAL, "BPF_ALU uses reserved fields");
        return 0;
    }
    }
}

static int check_stack_ptr_unpriv(struct venv *e, uint32_t regno, const struct vreg *r)
{
    if (!tnum_is_const(r->var_off))
        return verr(e, -EACCES, "R%u variable stack access prohibited for !root, var_off=(%#llx; %#llx) off=%d",
                    regno, (unsigned long long)r->var_off.value,
                    (unsigned long long)r->var_off.mask, r->off);
    int64_t off = r->off + (int64_t)r->var_off.value;
    if (off >= 0 || off < -PBPF_STACK_SIZE)
        return verr(e, -EACCES,
                    "R%u stack pointer arithmetic goes out of range, prohibited for !root; off=%lld",
                    regno, (long long)off);
    return 0;
}

static int sane_offset(struct venv *e, const struct vreg *r, uint32_t ptype)
{
    bool known = tnum_is_const(r->var_off);
    int64_t val = (int64_t)r->var_off.value;
    if (known && (val >= MAX_VAR_OFF || val <= -MAX_VAR_OFF))
        return verr(e, -EACCES, "math between %s pointer and %lld is not allowed",
                    vtype_str(ptype), (long long)val);
    if (r->off >= MAX_VAR_OFF || r->off <= -MAX_VAR_OFF)
        return verr(e, -EACCES, "%s pointer offset %d is not allowed", vtype_str(ptype), r->off);
    if (r->smin == INT64_MIN)
        return verr(e, -EACCES,
                    "math between %s pointer and register with unbounded min value is not allowed",
                    vtype_str(ptype));
    if (r->smin >= MAX_VAR_OFF || r->smin <= -MAX_VAR_OFF)
        return verr(e, -EACCES, "value %lld makes %s pointer be out of bounds", (long long)r->smin,
                    vtype_str(ptype));
    return 0;
}

/* ptr +/- a variable offset: the result's variable part; the 32-bit
 * bounds say nothing of a pointer, and a packet pointer gets a new id and
 * no range until it is compared with the end again */
static void ptr_var_off(struct venv *e, struct vreg *res, struct tnum var_off)
{
    res->var_off = var_off;
    res->s32_min = INT32_MIN;
    res->s32_max = INT32_MAX;
    res->u32_min = 0;
    res->u32_max = UINT32_MAX;
    if (VT_BASE(res->type) == PTR_TO_PACKET || VT_BASE(res->type) == PTR_TO_PACKET_META) {
        res->id = ++e->id_gen;
        res->range = 0;
    }
}

/* Spectre v1 masking for a loader without CAP_PERFMON (Linux's
 * sanitize_ptr_alu, retrieve_ptr_limit, update_alu_sanitation_state): a
 * pointer moved by a register is masked at run time to the distance it
 * may move, so every path through the instruction must agree on the
 * direction, the kind of operand and that distance. */
enum { ALU_SAN_SRC = 1, ALU_SAN_DST = 2, ALU_NEG_VALUE = 4, ALU_IMMEDIATE = 8 };

/* how far the pointer may move towards its object's start (to_left) or
 * end; -1 past its bounds */
static int64_t ptr_limit(const struct vreg *p, bool to_left)
{
    int64_t limit, max;
    if (VT_BASE(p->type) == PTR_TO_STACK) {
        max = PBPF_STACK_SIZE + to_left;
        limit = -((int64_t)p->var_off.value + p->off);
    } else {
        max = p->map ? pbpf_map_value_size(p->map) : 0;
        limit = (to_left ? p->smin : (int64_t)p->umax) + p->off;
    }
    return limit < 0 || limit >= max ? -1 : limit;
}

static int sanitize_err_paths(struct venv *e, uint32_t dreg, uint8_t op, const char *why)
{
    return verr(e, -EACCES, "R%u tried to %s %s, pointer arithmetic with it prohibited for !root",
                dreg, op == PBPF_ALU_ADD ? "add" : "sub", why);
}

static int sanitize_commit(struct venv *e, uint32_t dreg, uint8_t op, uint8_t state,
                           int64_t before, const struct vreg *res, bool to_left)
{
    int64_t after = ptr_limit(res, to_left);
    if (after < 0)
        return sanitize_err_paths(e, dreg, op, "beyond pointer bounds");
    uint32_t limit = (uint32_t)(before > after ? before - after : after - before);
    if (!e->alu_state) {
        e->alu_state = pbpf_calloc(e->cnt, sizeof *e->alu_state);
        e->alu_limit = pbpf_calloc(e->cnt, sizeof *e->alu_limit);
        if (!e->alu_state || !e->alu_limit)
            return -ENOMEM;
    }
    uint8_t *as = &e->alu_state[e->insn_idx];
    uint32_t *al = &e->alu_limit[e->insn_idx];
    if (*as && (*as != state || *al != limit))
        return sanitize_err_paths(e, dreg, op, "from different maps, paths or scalars");
    *as = state;
    *al = limit;
    return 0;
}

/* dst = ptr OP off (Linux's adjust_ptr_min_max_vals); offno is the
 * number of the register that holds the offset (dst when the scalar is
 * on the left), which Linux names in the sanitation errors */
static int ptr_alu(struct venv *e, const struct pbpf_insn *in, const struct vreg *ptr,
                   const struct vreg *offr, uint32_t offno)
{
    uint32_t dreg = PBPF_INSN_DST(in);
    uint8_t op = PBPF_OP(in->code);
    struct vreg *dst = &cur_regs(e)[dreg];
    bool known = tnum_is_const(offr->var_off);
    int64_t smin = offr->smin, smax = offr->smax;
    uint64_t umin = offr->umin, umax = offr->umax;

    if (PBPF_CLASS(in->code) != PBPF_CLS_ALU64) {
        if (op == PBPF_ALU_SUB && !e->unpriv) {
            mark_reg_unknown(dst);
            return 0;
        }
        return verr(e, -EACCES, "R%u 32-bit pointer arithmetic prohibited", dreg);
    }
    if (ptr->type & VT_OR_NULL)
        return verr(e, -EACCES, "R%u pointer arithmetic on %s prohibited, null-check it first",
                    dreg, vtype_str(ptr->type));
    switch (VT_BASE(ptr->type)) {
    case PTR_TO_CTX:
    case PTR_TO_MAP_VALUE:
    case PTR_TO_MAP_KEY:
    case PTR_TO_STACK:
    case PTR_TO_PACKET_META:
    case PTR_TO_PACKET:
    case PTR_TO_MEM:
    case PTR_TO_FUNC:
        break;
    case PTR_TO_FLOW_KEYS:
        if (known)
            break;
        return verr(e, -EACCES, "R%u pointer arithmetic on %s prohibited", dreg,
                    vtype_str(ptr->type));
    case CONST_PTR_TO_MAP:
        if (known && smin == 0 && op == PBPF_ALU_ADD)
            break;
        return verr(e, -EACCES, "R%u pointer arithmetic on %s prohibited", dreg,
                    vtype_str(ptr->type));
    default:
        return verr(e, -EACCES, "R%u pointer arithmetic on %s prohibited", dreg,
                    vtype_str(ptr->type));
    }
    if ((known && (smin != smax || umin != umax)) || smin > smax || umin > umax) {
        mark_reg_unknown(dst);
        return 0;
    }
    int rc = sane_offset(e, offr, ptr->type);
    if (!rc)
        rc = sane_offset(e, ptr, ptr->type);
    if (rc)
        return rc;
    bool san = false, san_left = false;
    int64_t san_before = 0;
    uint8_t san_state = 0;
    /* Spectre v1 sanitation (Linux's sanitize_ptr_alu) refuses, for
     * programs without CAP_PERFMON, register offsets it cannot mask */
    if (e->unpriv && (in->code & PBPF_SRC_X) && (op == PBPF_ALU_ADD || op == PBPF_ALU_SUB)) {
        uint32_t b = VT_BASE(ptr->type);
        if (!known && smin < 0 && smax > 0)
            return verr(e, -EACCES,
                        "R%u has unknown scalar with mixed signed bounds, pointer arithmetic with "
                        "it prohibited for !root",
                        offno);
        if (b != PTR_TO_STACK && b != PTR_TO_MAP_VALUE)
            return verr(e, -EACCES,
                        "R%u has pointer with unsupported alu operation, pointer arithmetic with "
                        "it prohibited for !root",
                        dreg);
        bool off_neg = smin < 0;
        san = true;
        san_left = (op == PBPF_ALU_ADD && off_neg) || (op == PBPF_ALU_SUB && !off_neg);
        san_before = ptr_limit(ptr, san_left);
        if (san_before < 0)
            return sanitize_err_paths(e, dreg, op, "beyond pointer bounds");
        san_state = (uint8_t)((off_neg ? ALU_NEG_VALUE : 0) | (known ? ALU_IMMEDIATE : 0) |
                              (ptr == dst ? ALU_SAN_SRC : ALU_SAN_DST));
    }
    struct vreg res = *ptr;
    switch (op) {
    case PBPF_ALU_ADD:
        if (known && (int64_t)(int32_t)(ptr->off + smin) == (int64_t)ptr->off + smin) {
            res.off = (int32_t)(ptr->off + smin);
            break;
        }
        bounds_add(&res, offr, false);
        ptr_var_off(e, &res, tnum_add(ptr->var_off, offr->var_off));
        break;
    case PBPF_ALU_SUB:
        if (dst == offr && dst->type == SCALAR_VALUE)
            return verr(e, -EACCES, "R%u tried to subtract pointer from scalar", dreg);
        if (VT_BASE(ptr->type) == PTR_TO_STACK)
            return verr(e, -EACCES, "R%u subtraction from stack pointer prohibited", dreg);
        if (known && (int64_t)(int32_t)(ptr->off - smin) == (int64_t)ptr->off - smin) {
            res.off = (int32_t)(ptr->off - smin);
            break;
        }
        bounds_sub(&res, offr, false);
        ptr_var_off(e, &res, tnum_sub(ptr->var_off, offr->var_off));
        break;
    case PBPF_ALU_AND:
    case PBPF_ALU_OR:
    case PBPF_ALU_XOR:
        return verr(e, -EACCES, "R%u bitwise operator %s on pointer prohibited", dreg,
                    alu_str(op));
    default:
        return verr(e, -EACCES, "R%u pointer arithmetic with %s operator prohibited", dreg,
                    alu_str(op));
    }
    rc = sane_offset(e, &res, ptr->type);
    if (rc)
        return rc;
    reg_bounds_sync(&res);
    if (e->unpriv) {
        if (VT_BASE(res.type) == PTR_TO_STACK) {
            rc = check_stack_ptr_unpriv(e, dreg, &res);
            if (rc)
                return rc;
        } else if (VT_BASE(res.type) == PTR_TO_MAP_VALUE) {
            int64_t lo = res.off + res.smin, hi = res.off + (int64_t)res.umax;
            uint32_t vs = res.map ? pbpf_map_value_size(res.map) : 0;
            if (lo < 0 || hi >= (int64_t)vs)
                return verr(e, -EACCES,
                            "R%u pointer arithmetic of map value goes out of range, prohibited "
                            "for !root",
                            dreg);
        }
    }
    /* on a mispredicted path the masking recorded by the real ones
     * stands (sanitize_ptr_alu: speculative states go to do_sim) */
    if (san && !e->cur->speculative) {
        rc = sanitize_commit(e, dreg, op, san_state, san_before, &res, san_left);
        if (rc)
            return rc;
    }
    *dst = res;
    return 0;
}

static void do_bswap(struct vreg *r, unsigned bits, bool to_le)
{
    /* pbpf runs on little-endian hosts' conventions (RFC 9669 §4.2: le
     * truncates, be and bswap reverse bytes) */
    if (to_le) {
        coerce_reg_to_size(r, bits / 8);
        return;
    }
    if (tnum_is_const(r->var_off)) {
        uint64_t v = r->var_off.value;
        if (bits == 16)
            v = __builtin_bswap16((uint16_t)v);
        else if (bits == 32)
            v = __builtin_bswap32((uint32_t)v);
        else
            v = __builtin_bswap64(v);
        mark_reg_known(r, v);
        return;
    }
    mark_reg_unknown(r);
    if (bits < 64)
        coerce_reg_to_size(r, bits / 8);
}

int check_alu(struct venv *e, const struct pbpf_insn *in)
{
    int rc = check_reserved(e, in);
    if (rc)
        return rc;
    uint8_t op = PBPF_OP(in->code);
    bool x = (in->code & PBPF_SRC_X) != 0, alu32 = PBPF_CLASS(in->code) == PBPF_CLS_ALU;
    uint32_t dreg = PBPF_INSN_DST(in), sreg = PBPF_INSN_SRC(in);
    struct vreg *regs = cur_regs(e);
    struct vreg *dst = &regs[dreg];

    if (op == PBPF_ALU_NEG || op == PBPF_ALU_END) {
        if (dst->type == NOT_INIT)
            return verr(e, -EACCES, "R%u !read_ok", dreg);
        if (dreg == 10)
            return verr(e, -EACCES, "frame pointer is read only");
        if (is_ptr(dst)) {
            if (e->unpriv)
                return verr(e, -EACCES, "R%u pointer arithmetic prohibited", dreg);
            mark_reg_unknown(dst);
            return 0;
        }
        if (op == PBPF_ALU_NEG) {
            struct vreg zero;
            mark_reg_known(&zero, 0);
            struct vreg v = *dst;
            *dst = zero;
            if (tnum_is_const(alu32 ? tnum_subreg(v.var_off) : v.var_off)) {
                uint64_t r = 0 - (alu32 ? (uint32_t)v.var_off.value : v.var_off.value);
                mark_reg_known(dst, alu32 ? (uint32_t)r : r);
            } else {
                mark_reg_unknown(dst);
                if (alu32)
                    zext_32_to_64(dst);
            }
            return 0;
        }
        do_bswap(dst, (unsigned)in->imm, alu32 && !x);
        return 0;
    }

    if (x && regs[sreg].type == NOT_INIT)
        return verr(e, -EACCES, "R%u !read_ok", sreg);
    if (op != PBPF_ALU_MOV && dst->type == NOT_INIT)
        return verr(e, -EACCES, "R%u !read_ok", dreg);
    if (dreg == 10)
        return verr(e, -EACCES, "frame pointer is read only");

    if (op == PBPF_ALU_MOV) {
        if (!x) {
            mark_reg_known(dst, alu32 ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
            return 0;
        }
        const struct vreg *src = &regs[sreg];
        if (!alu32) {
            if (in->off) {
                if (is_ptr(src)) {
                    if (e->unpriv)
                        return verr(e, -EACCES, "R%u sign-extension of pointer prohibited", sreg);
                    mark_reg_unknown(dst);
                    return 0;
                }
                struct vreg v = *src;
                coerce_reg_to_size_sx(&v, (unsigned)in->off / 8);
                *dst = v;
                return 0;
            }
            /* Linux: a copy of an unknown scalar shares an id with it, so
             * that a bound a branch learns on one applies to both
             * (find_equal_scalars / sync_linked_regs) */
            if (src->type == SCALAR_VALUE && !src->id && !tnum_is_const(src->var_off))
                regs[sreg].id = ++e->id_gen;
            *dst = regs[sreg];
            return 0;
        }
        if (is_ptr(src)) {
            if (e->unpriv)
                return verr(e, -EACCES, "R%u partial copy of pointer", sreg);
            mark_reg_unknown(dst);
            zext_32_to_64(dst);
            return 0;
        }
        struct vreg v = *src;
        if (in->off) {
            coerce_reg_to_size_sx(&v, (unsigned)in->off / 8);
            /* then the low 32 bits, zero-extended */
        }
        v.id = 0;
        zext_32_to_64(&v);
        *dst = v;
        return 0;
    }

    struct vreg srcv;
    if (x) {
        srcv = regs[sreg];
    } else {
        mark_reg_known(&srcv, alu32 ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
        if ((op == PBPF_ALU_DIV || op == PBPF_ALU_MOD) && in->imm == 0)
            return verr(e, -EINVAL, "div by zero");
        if ((op == PBPF_ALU_LSH || op == PBPF_ALU_RSH || op == PBPF_ALU_ARSH) &&
            (in->imm < 0 || in->imm >= (alu32 ? 32 : 64)))
            return verr(e, -EINVAL, "invalid shift %d", in->imm);
    }

    /* scalar and pointer: the scalar's bounds become the pointer's, they
     * must be precise (Linux's adjust_reg_min_max_vals) */
    if (x && is_ptr(&srcv) != is_ptr(dst)) {
        rc = mark_precise(e, (uint16_t)(1u << (is_ptr(dst) ? sreg : dreg)));
        if (rc)
            return rc;
    }
    if (is_ptr(&srcv)) {
        if (is_ptr(dst)) {
            if (op == PBPF_ALU_SUB && !e->unpriv) {
                mark_reg_unknown(dst);
                return 0;
            }
            return verr(e, -EACCES, "R%u pointer %s pointer prohibited", dreg, alu_str(op));
        }
        if (op == PBPF_ALU_SUB && !alu32)
            return verr(e, -EACCES, "R%u tried to subtract pointer from scalar", dreg);
        if (op != PBPF_ALU_ADD || alu32) {
            if (alu32 && op == PBPF_ALU_SUB && !e->unpriv) {
                mark_reg_unknown(dst);
                return 0;
            }
            /* scalar OP pointer: Linux checks the pointer's operation */
            struct vreg p = srcv, o = *dst;
            return ptr_alu(e, in, &p, &o, dreg);
        }
        struct vreg p = srcv, o = *dst;
        return ptr_alu(e, in, &p, &o, dreg);
    }
    if (is_ptr(dst)) {
        struct vreg p = *dst;
        return ptr_alu(e, in, &p, &srcv, sreg);
    }
    return scalar_alu(op, alu32, dst, &srcv);
}
