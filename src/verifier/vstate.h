/* The verifier's internal state: register and stack abstractions, the
 * verifier environment, and the functions the check_*.c files share. */
#ifndef PBPF_VERIFIER_VSTATE_H
#define PBPF_VERIFIER_VSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "helpers/proto.h"
#include "hooks/ctx.h"
#include "isa/insn.h"
#include "pbpf/maps.h"
#include "pbpf/verifier.h"
#include "platform/platform.h"
#include "verifier/tnum.h"

/* Linux enum bpf_prog_type values the rules depend on */
#define PT_SOCKET_FILTER 1
#define PT_KPROBE 2
#define PT_SCHED_CLS 3
#define PT_SCHED_ACT 4
#define PT_TRACEPOINT 5
#define PT_XDP 6
#define PT_PERF_EVENT 7
#define PT_CGROUP_SKB 8
#define PT_CGROUP_SOCK 9
#define PT_LWT_IN 10
#define PT_LWT_OUT 11
#define PT_LWT_XMIT 12
#define PT_SOCK_OPS 13
#define PT_SK_SKB 14
#define PT_CGROUP_DEVICE 15
#define PT_SK_MSG 16
#define PT_RAW_TRACEPOINT 17
#define PT_CGROUP_SOCK_ADDR 18
#define PT_LWT_SEG6LOCAL 19
#define PT_SK_REUSEPORT 21
#define PT_FLOW_DISSECTOR 22
#define PT_CGROUP_SYSCTL 23
#define PT_RAW_TRACEPOINT_WRITABLE 24
#define PT_CGROUP_SOCKOPT 25
#define PT_TRACING 26
#define PT_LSM 29
#define PT_SK_LOOKUP 30
#define PT_SYSCALL 31

struct pbpf_btf; /* btf/btf.h */

/* Linux helper ids of the helpers that call a callback in place */
#define H_FOR_EACH_MAP_ELEM 164
#define H_LOOP 181

/* Register types (Linux's enum bpf_reg_type, our numbering). */
enum vtype {
    NOT_INIT = 0,
    SCALAR_VALUE,
    PTR_TO_CTX,
    CONST_PTR_TO_MAP,
    PTR_TO_MAP_VALUE,
    PTR_TO_MAP_KEY,
    PTR_TO_STACK,
    PTR_TO_PACKET_META,
    PTR_TO_PACKET,
    PTR_TO_PACKET_END,
    PTR_TO_MEM,      /* helper-returned memory, or the conformance buffer */
    PTR_TO_FUNC,
    PTR_TO_SOCK_COMMON,
    PTR_TO_SOCKET,
    PTR_TO_FLOW_KEYS,
    VTYPE_COUNT,
};

/* type modifiers */
#define VT_OR_NULL 0x100u
#define VT_RINGBUF 0x200u /* PTR_TO_MEM from bpf_ringbuf_reserve */
#define VT_RDONLY 0x400u
#define VT_BASE(t) ((t)&0xffu)

struct vreg {
    uint16_t type;       /* enum vtype | VT_* */
    bool precise;
    uint8_t frameno;     /* PTR_TO_STACK: the frame it points into */
    int32_t off;         /* fixed offset of a pointer */
    struct tnum var_off; /* variable part (scalars: the value) */
    int64_t smin, smax;
    uint64_t umin, umax;
    int32_t s32_min, s32_max;
    uint32_t u32_min, u32_max;
    uint32_t id;         /* null-check and packet-range propagation */
    uint32_t ref_obj_id; /* acquired reference this pointer holds */
    /* PTR_TO_PACKET*: bytes proven readable past off; PTR_TO_MEM: size;
     * PTR_TO_FUNC: subprogram index */
    uint32_t range;
    /* CONST_PTR_TO_MAP of an inner map and the values looked up through
     * it: which lookup in the outer map gave the map, when its template
     * holds a timer (Linux's map_uid; 0 otherwise) */
    uint32_t map_uid;
    const struct pbpf_map *map; /* map pointer / map value / key */
};

/* per-byte stack state */
enum { STACK_INVALID = 0, STACK_SPILL, STACK_MISC, STACK_ZERO };

struct vslot {
    struct vreg spilled;
    uint8_t type[8]; /* byte i at offset -(slot+1)*8 + i */
};

#define MAX_SLOTS (PBPF_STACK_SIZE / 8)
#define PATH_LOG 32

struct vframe {
    struct vreg regs[11];
    uint32_t allocated; /* bytes of stack in use (deepest access) */
    uint32_t stack_cap; /* slots allocated in stack[] */
    int32_t callsite;   /* insn of the call (-1: main) */
    uint32_t subprog;
    uint32_t frameno;
    /* callback frames: the helper insn; the callback's return range */
    bool in_callback;
    int32_t cb_ret_min, cb_ret_max;
    struct vreg cb_args[5]; /* r1-r5 at the callback's entry */
    /* allocated / 8 slots: only the depth in use is kept and copied */
    struct vslot *stack;
};

extern const struct vslot vslot_invalid;
/* slot spi for reading: past the depth in use, every byte is invalid */
static inline const struct vslot *slot_r(const struct vframe *f, int64_t spi)
{
    return spi >= 0 && (uint64_t)spi < f->allocated / 8 ? &f->stack[spi] : &vslot_invalid;
}
static inline uint32_t nslots(const struct vframe *f) { return f->allocated / 8; }

struct vref {
    uint32_t id;
    uint32_t insn;
};

/* One instruction of a path, for precision backtracking (precise.c): the
 * frame it ran in and, for a stack access at a fixed offset, the slot. */
enum {
    H_FILL = 1,   /* a load whose value came from the slot's spilled register */
    H_SWRITE = 2, /* a store into the slot */
    H_CBEXIT = 4, /* the exit of a callback (bpf_loop, for_each_map_elem) */
};
struct vhist {
    uint32_t idx;
    uint8_t frame, flags;
    uint8_t sframe, spi;
};

struct vstate {
    struct vframe *frame[PBPF_MAX_CALL_DEPTH];
    uint32_t curframe;
    struct vref *refs;
    uint32_t nrefs, refs_cap;
    uint32_t active_lock_id;       /* id of the map value whose lock is held */
    const struct pbpf_map *active_lock_map;
    /* callback visits on this path (Linux's callback_unroll_depth): a
     * state that repeats in a later visit of a callback body is the next
     * call of the callback, not an infinite loop */
    uint32_t cb_unroll;
    /* a path only a mispredicted branch reaches (Linux's speculative
     * states, explored for a loader without CAP_PERFMON) */
    bool speculative;
    /* pruning bookkeeping */
    struct vstate *parent; /* the explored state this path descends from */
    uint32_t branches;     /* paths still being explored below this state */
    uint32_t insn_idx;
    /* an explored state evicted from its instruction's list while paths
     * below it were still being explored: its node is on venv.retired and
     * is freed when the last of those paths ends */
    struct vexplored *retired;
    /* the last branch decisions on the path, for the log: insn << 1 |
     * taken, a ring of PATH_LOG entries (npath counts them all) */
    uint32_t npath;
    uint32_t path[PATH_LOG];
    /* the instructions run since the parent checkpoint (or since the
     * start when bt_root), oldest first */
    struct vhist *hist;
    uint32_t nhist, hist_cap;
    bool bt_root;      /* nothing before this segment feeds its values */
    /* the segment grew past HIST_MAX and its older entries were dropped:
     * a walk that reaches its start cannot follow further */
    bool hist_lost;
    /* the last backtracking walk that started in this segment: from
     * hist[bt_memo_pos - 1] down, following bt_memo_regs/slots (frame
     * bt_memo_frame only); 0: none */
    uint32_t bt_memo_pos;
    uint8_t bt_memo_frame;
    uint16_t bt_memo_regs;
    uint64_t bt_memo_slots;
    bool all_precise;  /* every scalar here (and above) was marked precise */
};

/* an argument of a global function, from its BTF (Linux's
 * bpf_subprog_arg_info) */
enum varg_kind { VARG_SCALAR = 1, VARG_CTX, VARG_MEM };
struct varg {
    uint8_t kind;
    bool nonnull;      /* VARG_MEM tagged arg:nonnull */
    uint32_t mem_size; /* VARG_MEM */
};

struct vsubprog {
    uint32_t start, end; /* [start, end) */
    uint32_t stack_depth;
    /* with BTF func info: the FUNC's type id and linkage */
    uint32_t btf_id;
    bool global;
    bool changes_pkt;  /* it or a function it calls may move packet data */
    bool called, verified; /* global: a walk reached a call of it; walked */
    bool args_ready;
    uint8_t nargs;
    struct varg args[5];
};

struct vstack_elem {
    struct vstate *st;
    uint32_t insn_idx, prev_idx;
    struct vstack_elem *next;
};

struct vexplored {
    struct vstate *st;
    struct vexplored *next;
    struct vexplored *prev; /* on the retired list only */
    uint32_t miss, hit;
    /* evicted (its frames released): the registers and slots, per frame,
     * that precision walks already followed past it (precise.c) */
    uint16_t past_regs[PBPF_MAX_CALL_DEPTH];
    uint64_t past_slots[PBPF_MAX_CALL_DEPTH];
};

struct venv {
    const struct pbpf_insn *insns;
    size_t cnt;
    const struct pbpf_verifier_opts *opts;
    struct pbpf_verifier_stats stats;
    uint32_t prog_type;
    bool unpriv;     /* CAP_BPF only: pointer leaks etc. rejected */
    uint32_t max_processed; /* the processed-instruction budget */
    const struct pbpf_ctx_desc *ctx;

    /* log */
    char *log;
    size_t log_size, log_len;
    int log_level;
    char msg[320];   /* the reason of a rejection */
    int64_t err_insn; /* the instruction of that reason, -1: none */

    struct vstate *cur;
    struct vstack_elem *head;
    uint32_t stack_size;
    /* the instruction being checked (the walk) or examined (the CFG
     * checks): rejections name it; UINT32_MAX outside of those */
    uint32_t insn_idx, prev_insn_idx;
    uint32_t id_gen;

    struct vsubprog *subprogs;
    uint32_t nsubprogs;
    /* the program's BTF when func info came with it (global functions) */
    struct pbpf_btf *btf;
    uint8_t *prune_point;
    uint8_t *seen;
    uint8_t *cb_entry; /* callback entries: re-entered, not loops */
    struct vexplored **explored;
    struct vexplored *retired; /* evicted but still parents of live paths */
    uint64_t jmps_processed, prev_jmps, prev_insns;
    uint16_t *live_regs; /* per insn: registers live before it (static) */
    /* stack slot liveness (cfg.c): per insn, the slots of its frame that
     * a path from it may read before overwriting them, from the reads the
     * walk has met so far (it only grows); for the update, the
     * predecessors of each insn and a work list */
    uint64_t *live_slots, *pend_slots;
    uint32_t *pred_start, *preds, *slot_queue;
    bool slot_live_off; /* a read could not be placed: every slot is live */
    uint16_t *precise_regs; /* per insn: scalars whose value may matter */
    uint32_t peak_states, total_states, cur_states;
    struct vframe *frame_pool;
    struct vstate *state_pool; /* freed states, linked by parent */
    size_t mem, peak_mem;

    /* ctx accesses found (insn index -> base offset + 1, 0: none) */
    int64_t *ctx_off;
    bool *ctx_seen;
    /* per load/store insn: the pointer type it first went through + 1
     * (0: not yet), for save_aux_ptr_type's check */
    uint16_t *ptr_type;
    /* per pointer ADD/SUB insn with a register operand, for a loader
     * without CAP_PERFMON: the masking sanitize_ptr_alu chose there
     * (alu_state 0: none yet) and the distance it masks to */
    uint8_t *alu_state;
    uint32_t *alu_limit;
};

/* log.c / verifier.c */
void vlog(struct venv *e, const char *fmt, ...) PBPF_PRINTF_FMT(2, 3);
int verr(struct venv *e, int rc, const char *fmt, ...) PBPF_PRINTF_FMT(3, 4);
const char *vtype_str(uint32_t type);
void vlog_reg_state(struct venv *e, const struct vstate *st);
void *vzalloc(struct venv *e, size_t n);
void vfree(struct venv *e, void *p, size_t n);

/* bounds.c */
void mark_reg_unknown(struct vreg *r);
void widen_callback_scalars(struct vstate *cur, uint32_t cb_start);
void mark_reg_known(struct vreg *r, uint64_t v);
void mark_reg_not_init(struct vreg *r);
void reg_bounds_sync(struct vreg *r);
void reg_bounds_from_var_off(struct vreg *r);
void zext_32_to_64(struct vreg *r);
bool reg_is_const(const struct vreg *r);
bool reg_is_const32(const struct vreg *r);
int scalar_alu(uint8_t op, bool alu32, struct vreg *dst, const struct vreg *src);
/* the signed and unsigned ranges of one width (32-bit: the s32/u32 ones)
 * of dst + src, dst - src; unbounded where they may overflow */
void bounds_add(struct vreg *dst, const struct vreg *src, bool alu32);
void bounds_sub(struct vreg *dst, const struct vreg *src, bool alu32);
int branch_taken(const struct vreg *a, const struct vreg *b, uint8_t op, bool is32);
void reg_set_min_max(struct vreg *t1, struct vreg *t2, struct vreg *f1, struct vreg *f2,
                     uint8_t op, bool is32);
void coerce_reg_to_size(struct vreg *r, unsigned size);
void coerce_reg_to_size_sx(struct vreg *r, unsigned size);
bool reg_range_within(const struct vreg *old, const struct vreg *cur);

/* check_alu.c */
int check_alu(struct venv *e, const struct pbpf_insn *in);

/* check_mem.c */
int check_ldx_stx(struct venv *e, const struct pbpf_insn *in);
int check_mem_region(struct venv *e, uint32_t regno, int64_t size, bool write, bool zero_ok,
                     bool allow_uninit);
/* how a helper's stack memory is checked: read (initialised, within the
 * stack used so far without CAP_PERFMON), written (raw mode: anywhere in
 * the frame, uninitialised allowed), or read with a write's bounds (a
 * write-only argument whose size is not a constant: raw mode is off, so
 * all of it must be initialised, but the bounds are a write's, as Linux's
 * check_stack_range_initialized takes them from the argument's access) */
enum { STACK_HELPER_READ, STACK_HELPER_WRITE, STACK_HELPER_INIT_WRITE };
int check_stack_read_range(struct venv *e, uint32_t regno, int32_t off, int32_t size,
                           int mode, bool zero_ok);
int check_ld_imm64(struct venv *e, const struct pbpf_insn *in);
int check_ld_abs(struct venv *e, const struct pbpf_insn *in);
bool may_write_pkt_type(uint32_t prog_type);
struct vframe *reg_frame(struct venv *e, const struct vreg *r);

/* check_call.c */
int check_helper_call(struct venv *e, const struct pbpf_insn *in, uint32_t *next_idx);
int push_frame(struct venv *e, uint32_t callsite, uint32_t subprog);
int check_subprog_call(struct venv *e, const struct pbpf_insn *in, uint32_t *next_idx);
int check_exit(struct venv *e, bool *path_done, uint32_t *next_idx);
int release_reference(struct venv *e, uint32_t ref_obj_id);
uint32_t acquire_reference(struct venv *e);
void invalidate_packet_pointers(struct venv *e);

/* global.c: global functions (Linux's BTF-typed subprograms) */
int global_setup(struct venv *e);
int check_global_call(struct venv *e, uint32_t subprog, uint32_t *next_idx);
int global_init_state(struct venv *e, uint32_t subprog);
const char *subprog_name(struct venv *e, uint32_t subprog);
static inline bool subprog_is_global(const struct venv *e, uint32_t subprog)
{
    return subprog < e->nsubprogs && e->subprogs[subprog].global;
}

/* state.c */
struct vstate *state_new(struct venv *e);
struct vframe *frame_alloc(struct venv *e);
int frame_grow(struct venv *e, struct vframe *f, uint32_t depth);
void frame_release(struct venv *e, struct vframe *f);
int state_copy(struct venv *e, struct vstate *dst, const struct vstate *src);
void state_free(struct venv *e, struct vstate *st);
struct vstate *push_stack(struct venv *e, uint32_t insn_idx, uint32_t prev_idx);
int pop_stack(struct venv *e, uint32_t *insn_idx);
int is_state_visited(struct venv *e, uint32_t insn_idx);
uint64_t old_live_slots(const struct venv *e, const struct vstate *old, uint32_t f,
                        uint32_t insn, bool exact);
void update_branch_counts(struct venv *e, struct vstate *st);
int path_push(struct venv *e, struct vstate *st, uint32_t insn, bool taken);

/* precise.c: Linux's precision tracking (mark_chain_precision) */
int hist_push(struct venv *e, uint32_t idx);
void hist_note_stack(struct venv *e, uint8_t flag, uint32_t frameno, int64_t spi);
int mark_precise(struct venv *e, uint16_t regs);
int mark_precise_slot(struct venv *e, uint32_t frameno, uint32_t spi);
int propagate_precision(struct venv *e, const struct vstate *old);
void mark_all_precise(struct vstate *st);

/* cfg.c */
int check_subprogs(struct venv *e);
int check_cfg(struct venv *e);
int compute_liveness(struct venv *e, bool main_ret_checked);
int slot_liveness_init(struct venv *e);
void slot_liveness_free(struct venv *e);
void note_stack_read(struct venv *e, uint32_t frameno, int64_t lo, int64_t hi);
bool prog_ret_checked(uint32_t prog_type);
int find_subprog(struct venv *e, uint32_t insn);

static inline struct vframe *cur_frame(struct venv *e) { return e->cur->frame[e->cur->curframe]; }
static inline struct vreg *cur_regs(struct venv *e) { return cur_frame(e)->regs; }

#endif
