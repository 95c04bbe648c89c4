/* Global functions.  With the program's BTF and func info, a subprogram
 * whose BTF FUNC has global linkage is verified as Linux does
 * (kernel/bpf/verifier.c check_btf_func, check_func_call,
 * do_check_subprogs; kernel/bpf/btf.c btf_prepare_func_args,
 * btf_check_func_arg_match): once, on its own, from a state its BTF
 * signature gives (an int or enum argument is any scalar; a pointer to the
 * program type's context struct, or one tagged arg:ctx, is the context; a
 * pointer to another type of known size is that many bytes of memory,
 * maybe NULL unless tagged arg:nonnull), and only when a walk reached a
 * call of it.  A call checks the caller's registers against the signature
 * and continues after the call with an unknown scalar in r0. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "btf/btf.h"
#include "helpers/proto.h"
#include "pbpf/object.h"
#include "verifier/vstate.h"

#define BTF_FUNC_GLOBAL 1

/* Linux's btf_kind_str[] (the names its messages use) */
static const char *kind_str(unsigned kind)
{
    static const char *const names[] = {
        "UNKNOWN", "INT",      "PTR",     "ARRAY", "STRUCT",   "UNION",    "ENUM",
        "FWD",     "TYPEDEF",  "VOLATILE", "CONST", "RESTRICT", "FUNC",     "FUNC_PROTO",
        "VAR",     "DATASEC",  "FLOAT",   "DECL_TAG", "TYPE_TAG", "ENUM64",
    };
    return kind < sizeof names / sizeof names[0] ? names[kind] : "UNKNOWN";
}

const char *subprog_name(struct venv *e, uint32_t sp)
{
    const struct pbpf_btf_type *t =
        e->btf && sp < e->nsubprogs ? pbpf_btf_type_by_id(e->btf, e->subprogs[sp].btf_id) : NULL;
    const char *n = t ? pbpf_btf_name(e->btf, t) : NULL;
    return n && n[0] ? n : "?";
}

/* Appends a line to the rejection reason already set (Linux logs the
 * detail, then what it means for the call). */
static int reason_append(struct venv *e, int rc, const char *fmt, const char *name, uint32_t sp)
{
    size_t n = strlen(e->msg);
    if (n + 2 < sizeof e->msg) {
        e->msg[n++] = '\n';
        snprintf(e->msg + n, sizeof e->msg - n, fmt, sp, name);
    }
    return rc;
}

/* Which subprograms may move packet data: a helper that does, in them or
 * in a function they call or pass as a callback (Linux 6.13+:
 * changes_pkt_data, merged from callees in check_cfg).  A call of a global
 * function that may invalidates the caller's packet pointers. */
static void mark_changes_pkt(struct venv *e)
{
    for (uint32_t s = 0; s < e->nsubprogs; s++) {
        for (uint32_t i = e->subprogs[s].start; i < e->subprogs[s].end; i++) {
            const struct pbpf_insn *in = &e->insns[i];
            if (in->code != PBPF_OPCODE_CALL || PBPF_INSN_SRC(in) != 0)
                continue;
            const struct pbpf_helper_proto *p = pbpf_helper_proto((uint32_t)in->imm);
            if (p && (p->flags & PBPF_PROTO_PKT_CHANGE))
                e->subprogs[s].changes_pkt = true;
        }
    }
    bool changed = true;
    while (changed) {
        changed = false;
        for (uint32_t s = 0; s < e->nsubprogs; s++) {
            if (e->subprogs[s].changes_pkt)
                continue;
            for (uint32_t i = e->subprogs[s].start; i < e->subprogs[s].end; i++) {
                const struct pbpf_insn *in = &e->insns[i];
                bool call = in->code == PBPF_OPCODE_CALL && PBPF_INSN_SRC(in) == PBPF_PSEUDO_CALL;
                bool func = in->code == PBPF_OPCODE_LDDW && PBPF_INSN_SRC(in) == PBPF_PSEUDO_FUNC;
                if (!call && !func)
                    continue;
                int t = find_subprog(e, (uint32_t)((int64_t)i + 1 + in->imm));
                if (t >= 0 && e->subprogs[t].changes_pkt) {
                    e->subprogs[s].changes_pkt = true;
                    changed = true;
                    break;
                }
            }
        }
    }
}

/* Linux's check_btf_func: one func info record per subprogram, at its
 * first instruction, naming a BTF FUNC; its linkage makes it global. */
int global_setup(struct venv *e)
{
    const struct pbpf_verifier_opts *o = e->opts;
    if (!o || o->sz < offsetof(struct pbpf_verifier_opts, func_info_cnt) + sizeof o->func_info_cnt)
        return 0;
    if (!o->btf || !o->btf_size || !o->func_info || !o->func_info_cnt)
        return 0; /* no func info: every subprogram is static */
    char err[200] = "";
    int rc = pbpf_btf_parse(o->btf, o->btf_size, &e->btf, err, sizeof err);
    if (rc)
        return verr(e, rc == -ENOMEM ? rc : -EINVAL, "invalid BTF: %s", err);
    if (o->func_info_cnt != e->nsubprogs)
        return verr(e, -EINVAL, "number of funcs in func_info doesn't match number of subprogs");
    for (uint32_t i = 0; i < e->nsubprogs; i++) {
        const struct pbpf_object_func_info *fi = &o->func_info[i];
        if (i == 0 && fi->insn_idx)
            return verr(e, -EINVAL, "nonzero insn_off %u for the first func info record",
                        fi->insn_idx);
        if (i && fi->insn_idx <= o->func_info[i - 1].insn_idx)
            return verr(e, -EINVAL,
                        "same or smaller insn offset (%u) than previous func info record (%u)",
                        fi->insn_idx, o->func_info[i - 1].insn_idx);
        if (fi->insn_idx != e->subprogs[i].start)
            return verr(e, -EINVAL, "func_info BTF section doesn't match subprog layout in BPF program");
        const struct pbpf_btf_type *t = pbpf_btf_type_by_id(e->btf, fi->type_id);
        if (!t || pbpf_btf_kind(t) != PBPF_BTF_KIND_FUNC)
            return verr(e, -EINVAL, "invalid type id %u", fi->type_id);
        e->subprogs[i].btf_id = fi->type_id;
        /* the main program is never "global" here: it is the entry */
        e->subprogs[i].global = i && pbpf_btf_vlen(t) == BTF_FUNC_GLOBAL;
    }
    mark_changes_pkt(e);
    return 0;
}

/* Linux's bpf_types.h: the struct a program type's context pointer has in
 * C (its prog_ctx_type); "" for types whose context has no named struct. */
static const char *ctx_struct_name(uint32_t pt)
{
    switch (pt) {
    case PT_SOCKET_FILTER:
    case PT_SCHED_CLS:
    case PT_SCHED_ACT:
    case PT_CGROUP_SKB:
    case PT_LWT_IN:
    case PT_LWT_OUT:
    case PT_LWT_XMIT:
    case PT_LWT_SEG6LOCAL:
    case PT_SK_SKB:
    case PT_FLOW_DISSECTOR:
        return "__sk_buff";
    case PT_XDP:
        return "xdp_md";
    case PT_CGROUP_SOCK:
        return "bpf_sock";
    case PT_CGROUP_SOCK_ADDR:
        return "bpf_sock_addr";
    case PT_SOCK_OPS:
        return "bpf_sock_ops";
    case PT_SK_MSG:
        return "sk_msg_md";
    case PT_KPROBE:
        return "pt_regs"; /* bpf_user_pt_regs_t, a typedef of it on x86-64 */
    case PT_PERF_EVENT:
        return "bpf_perf_event_data";
    case PT_RAW_TRACEPOINT:
    case PT_RAW_TRACEPOINT_WRITABLE:
        return "bpf_raw_tracepoint_args";
    case PT_CGROUP_DEVICE:
        return "bpf_cgroup_dev_ctx";
    case PT_CGROUP_SYSCTL:
        return "bpf_sysctl";
    case PT_CGROUP_SOCKOPT:
        return "bpf_sockopt";
    case PT_SK_REUSEPORT:
        return "sk_reuseport_md";
    case PT_SK_LOOKUP:
        return "bpf_sk_lookup";
    default:
        return "";
    }
}

/* Linux's btf_is_prog_ctx_type: a pointer (ptr_id, a PTR) to the struct
 * of the program type's context, compared by name. */
static bool is_ctx_ptr(struct venv *e, uint32_t ptr_id)
{
    const struct pbpf_btf_type *p = pbpf_btf_type_by_id(e->btf, ptr_id);
    if (!p)
        return false;
    const struct pbpf_btf_type *t = pbpf_btf_type_by_id(e->btf, p->size_type);
    if (t && e->prog_type == PT_KPROBE && pbpf_btf_kind(t) == PBPF_BTF_KIND_TYPEDEF &&
        !strcmp(pbpf_btf_name(e->btf, t), "bpf_user_pt_regs_t"))
        return true;
    t = pbpf_btf_type_by_id(e->btf, pbpf_btf_skip_mods(e->btf, p->size_type));
    if (!t || pbpf_btf_kind(t) != PBPF_BTF_KIND_STRUCT)
        return false;
    const char *want = ctx_struct_name(e->prog_type);
    return want[0] && !strcmp(pbpf_btf_name(e->btf, t), want);
}

enum { TAG_CTX = 1, TAG_NONNULL = 2 };

/* The arg:* decl tags of argument i of the FUNC fn_id (Linux 6.8+:
 * __arg_ctx, __arg_nonnull; the others need kernel BTF, which pbpf has
 * not). */
static int arg_tags(struct venv *e, uint32_t fn_id, unsigned i, unsigned *tags)
{
    *tags = 0;
    for (uint32_t id = 1; id < pbpf_btf_type_cnt(e->btf); id++) {
        const struct pbpf_btf_type *t = pbpf_btf_type_by_id(e->btf, id);
        if (pbpf_btf_kind(t) != PBPF_BTF_KIND_DECL_TAG || t->size_type != fn_id ||
            PBPF_BTF_DECL_TAG_IDX(t) != (int32_t)i)
            continue;
        const char *tag = pbpf_btf_name(e->btf, t);
        if (strncmp(tag, "arg:", 4))
            continue;
        if (!strcmp(tag + 4, "ctx"))
            *tags |= TAG_CTX;
        else if (!strcmp(tag + 4, "nonnull"))
            *tags |= TAG_NONNULL;
        else if (!strcmp(tag + 4, "trusted") || !strcmp(tag + 4, "untrusted") ||
                 !strcmp(tag + 4, "nullable") || !strcmp(tag + 4, "arena"))
            return verr(e, -EOPNOTSUPP, "arg#%u tag %s is not supported by pbpf", i, tag);
        else
            return verr(e, -EOPNOTSUPP, "arg#%u has unsupported set of tags", i);
    }
    return 0;
}

/* Linux's btf_prepare_func_args: the signature, once per function. */
static int prepare_args(struct venv *e, uint32_t sp)
{
    struct vsubprog *s = &e->subprogs[sp];
    if (s->args_ready)
        return 0;
    const struct pbpf_btf_type *fn = pbpf_btf_type_by_id(e->btf, s->btf_id);
    const char *name = subprog_name(e, sp);
    const struct pbpf_btf_type *proto = fn ? pbpf_btf_type_by_id(e->btf, fn->size_type) : NULL;
    if (!proto || pbpf_btf_kind(proto) != PBPF_BTF_KIND_FUNC_PROTO)
        return verr(e, -EFAULT, "Invalid type of function %s()", name);
    unsigned nargs = pbpf_btf_vlen(proto);
    if (nargs > 5)
        return verr(e, -EINVAL, "Global function %s() with %u > 5 args. Buggy compiler.", name,
                    nargs);
    const struct pbpf_btf_type *ret =
        pbpf_btf_type_by_id(e->btf, pbpf_btf_skip_mods(e->btf, proto->size_type));
    unsigned rk = ret ? pbpf_btf_kind(ret) : PBPF_BTF_KIND_UNKN;
    if (rk != PBPF_BTF_KIND_INT && rk != PBPF_BTF_KIND_ENUM && rk != PBPF_BTF_KIND_ENUM64)
        return verr(e, -EINVAL,
                    "Global function %s() doesn't return scalar. Only those are supported.", name);
    const struct pbpf_btf_param *params = PBPF_BTF_PARAMS(proto);
    for (unsigned i = 0; i < nargs; i++) {
        struct varg *a = &s->args[i];
        unsigned tags;
        int rc = arg_tags(e, s->btf_id, i, &tags);
        if (rc)
            return rc;
        uint32_t tid = pbpf_btf_skip_mods(e->btf, params[i].type);
        const struct pbpf_btf_type *t = pbpf_btf_type_by_id(e->btf, tid);
        unsigned k = t ? pbpf_btf_kind(t) : PBPF_BTF_KIND_UNKN;
        if (k == PBPF_BTF_KIND_PTR) {
            if ((tags & TAG_CTX) || is_ctx_ptr(e, tid)) {
                a->kind = VARG_CTX;
                continue;
            }
            uint32_t ref_id = pbpf_btf_skip_mods(e->btf, t->size_type);
            const struct pbpf_btf_type *ref = pbpf_btf_type_by_id(e->btf, ref_id);
            uint64_t size;
            if (!ref || pbpf_btf_type_size(e->btf, ref_id, &size) || size > UINT32_MAX)
                return verr(e, -EINVAL,
                            "arg#%u reference type('%s %s') size cannot be determined: %d", i,
                            kind_str(ref ? pbpf_btf_kind(ref) : 0),
                            ref ? pbpf_btf_name(e->btf, ref) : "", -EINVAL);
            a->kind = VARG_MEM;
            a->mem_size = (uint32_t)size;
            a->nonnull = (tags & TAG_NONNULL) != 0;
            continue;
        }
        if (tags)
            return verr(e, -EINVAL, "arg#%u has pointer tag, but is not a pointer type", i);
        if (k == PBPF_BTF_KIND_INT || k == PBPF_BTF_KIND_ENUM || k == PBPF_BTF_KIND_ENUM64) {
            a->kind = VARG_SCALAR;
            continue;
        }
        return verr(e, -EINVAL, "Arg#%u type %s in %s() is not supported yet.", i, kind_str(k),
                    name);
    }
    s->nargs = (uint8_t)nargs;
    s->args_ready = true;
    return 0;
}

static bool is_null_const(const struct vreg *r)
{
    return r->type == SCALAR_VALUE && reg_is_const(r) && r->var_off.value == 0;
}

/* Linux's check_mem_reg: mem_size bytes at the pointer in regno, read and
 * written by the callee (a NULL constant passes; a maybe-NULL pointer is
 * checked as if it were not NULL). */
static int check_mem_arg(struct venv *e, uint32_t regno, uint32_t size)
{
    struct vreg *r = &cur_regs(e)[regno];
    if (is_null_const(r))
        return 0;
    struct vreg saved = *r;
    r->type &= ~VT_OR_NULL;
    int rc;
    switch (VT_BASE(r->type)) {
    case PTR_TO_STACK:
        /* read (initialised, or any byte for a privileged loader), then
         * written: whatever the caller kept there is unknown after the
         * call (Linux: check_stack_range_initialized with BPF_WRITE) */
        rc = check_stack_read_range(e, regno, 0, (int32_t)size, STACK_HELPER_READ, true);
        if (!rc)
            rc = check_stack_read_range(e, regno, 0, (int32_t)size, STACK_HELPER_WRITE, true);
        break;
    case PTR_TO_MAP_KEY:
    case PTR_TO_MAP_VALUE:
    case PTR_TO_MEM:
    case PTR_TO_PACKET:
    case PTR_TO_PACKET_META:
        rc = check_mem_region(e, regno, size, false, true, false);
        if (rc)
            break;
        if (VT_BASE(r->type) == PTR_TO_MAP_KEY || (r->type & VT_RDONLY) ||
            ((VT_BASE(r->type) == PTR_TO_PACKET || VT_BASE(r->type) == PTR_TO_PACKET_META) &&
             !may_write_pkt_type(e->prog_type))) {
            rc = verr(e, -EACCES, "R%u cannot write into %s", regno, vtype_str(r->type));
            break;
        }
        rc = check_mem_region(e, regno, size, true, true, false);
        break;
    default:
        rc = verr(e, -EACCES, "R%u type=%s expected=fp", regno, vtype_str(saved.type));
        break;
    }
    /* the stack's bytes stay written; the register is as it was */
    cur_regs(e)[regno] = saved;
    return rc;
}

/* Linux's check_func_arg_reg_off for an argument of no particular type:
 * pointers that may not move must be at their start. */
static int check_arg_reg_off(struct venv *e, uint32_t regno)
{
    const struct vreg *r = &cur_regs(e)[regno];
    if (r->type != PTR_TO_CTX)
        return 0;
    if (r->off)
        return verr(e, -EACCES, "dereference of modified ctx ptr R%u off=%d disallowed", regno,
                    r->off);
    if (!tnum_is_const(r->var_off) || r->var_off.value)
        return verr(e, -EACCES, "variable ctx access var_off=(%#llx; %#llx) disallowed",
                    (unsigned long long)r->var_off.value, (unsigned long long)r->var_off.mask);
    return 0;
}

static int check_args(struct venv *e, uint32_t sp)
{
    int rc = prepare_args(e, sp);
    if (rc)
        return rc;
    const struct vsubprog *s = &e->subprogs[sp];
    struct vreg *regs = cur_regs(e);
    for (uint32_t i = 0; i < s->nargs; i++) {
        uint32_t regno = i + 1;
        const struct varg *a = &s->args[i];
        struct vreg *r = &regs[regno];
        switch (a->kind) {
        case VARG_SCALAR:
            if (r->type != SCALAR_VALUE)
                return verr(e, -EINVAL, "R%u is not a scalar", regno);
            break;
        case VARG_CTX:
            if ((rc = check_arg_reg_off(e, regno)))
                return rc;
            if (r->type != PTR_TO_CTX)
                return verr(e, -EINVAL, "arg#%u expects pointer to ctx", i);
            break;
        default: /* VARG_MEM */
            /* NULL or not: a scalar's value decides (precise.c) */
            if (r->type == SCALAR_VALUE && (rc = mark_precise(e, (uint16_t)(1u << regno))))
                return rc;
            if ((rc = check_arg_reg_off(e, regno)))
                return rc;
            if ((rc = check_mem_arg(e, regno, a->mem_size)))
                return rc;
            if (a->nonnull && ((r->type & VT_OR_NULL) || is_null_const(r)))
                return verr(e, -EINVAL, "arg#%u is expected to be non-NULL", i);
            break;
        }
    }
    return 0;
}

/* Linux's check_func_call for a global callee. */
int check_global_call(struct venv *e, uint32_t sp, uint32_t *next_idx)
{
    const char *name = subprog_name(e, sp);
    if (e->cur->active_lock_id)
        return verr(e, -EINVAL, "global function calls are not allowed while holding a lock,\n"
                                "use static function instead");
    int rc = check_args(e, sp);
    if (rc == -EFAULT || rc == -ENOMEM)
        return rc;
    if (rc)
        return reason_append(e, rc, "Caller passes invalid args into func#%u ('%s')", name, sp);
    if (e->log_level >= 2)
        vlog(e, "Func#%u ('%s') is global and assumed valid.\n", sp, name);
    e->subprogs[sp].called = true;
    struct vreg *regs = cur_regs(e);
    for (int i = 1; i <= 5; i++)
        mark_reg_not_init(&regs[i]);
    mark_reg_unknown(&regs[0]);
    if (e->subprogs[sp].changes_pkt)
        invalidate_packet_pointers(e);
    (*next_idx)++;
    return 0;
}

/* Linux's do_check_common for a global subprogram: a fresh state whose
 * frame 0 is the function, its arguments from the signature. */
int global_init_state(struct venv *e, uint32_t sp)
{
    int rc = prepare_args(e, sp);
    if (rc)
        return rc;
    if (e->log_level >= 1)
        vlog(e, "Validating %s() func#%u...\n", subprog_name(e, sp), sp);
    e->cur = state_new(e);
    if (!e->cur)
        return -ENOMEM;
    struct vframe *f = e->cur->frame[0];
    f->callsite = -1;
    f->subprog = sp;
    for (int i = 0; i < 11; i++)
        mark_reg_not_init(&f->regs[i]);
    mark_reg_known(&f->regs[10], 0);
    f->regs[10].type = PTR_TO_STACK;
    const struct vsubprog *s = &e->subprogs[sp];
    for (uint32_t i = 0; i < s->nargs; i++) {
        struct vreg *r = &f->regs[i + 1];
        switch (s->args[i].kind) {
        case VARG_SCALAR:
            mark_reg_unknown(r);
            break;
        case VARG_CTX:
            mark_reg_known(r, 0);
            r->type = PTR_TO_CTX;
            break;
        default:
            mark_reg_known(r, 0);
            r->type = PTR_TO_MEM | (s->args[i].nonnull ? 0 : VT_OR_NULL);
            r->range = s->args[i].mem_size;
            r->id = ++e->id_gen;
            break;
        }
    }
    return 0;
}
