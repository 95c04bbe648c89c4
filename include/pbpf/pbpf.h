/* pbpf: a portable eBPF runtime.  Public API.
 *
 * Errors are negative errno values (-EINVAL, -ENOENT, ...), as in libbpf;
 * where a call can fail for a reason worth explaining it also fills a
 * caller-supplied message buffer.  Options structs start with their own size
 * (.sz) so they can grow; use PBPF_OPTS() to declare one. */
#ifndef PBPF_PBPF_H
#define PBPF_PBPF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One 8-byte instruction slot, RFC 9669 §3 (basic encoding).  `regs` holds
 * dst in its low nibble and src in its high nibble. */
struct pbpf_insn {
    uint8_t code;
    uint8_t regs;
    int16_t off;
    int32_t imm;
};

#define PBPF_OPTS(type, name, ...)                                                                \
    struct type name = {.sz = sizeof(struct type), __VA_ARGS__}

/* Runtime: the helper table and the execution slots programs run in. */
struct pbpf_runtime;
/* A loaded program, ready to run on one engine. */
struct pbpf_prog;
/* The state of one running program, as helpers see it. */
struct pbpf_run_ctx;
/* A map (pbpf/maps.h). */
struct pbpf_map;

/* Receives the text of one bpf_trace_printk message (len bytes, no NUL;
 * Linux appends it to the trace pipe, tracing/trace_pipe). */
typedef void (*pbpf_print_fn)(void *ctx, const char *msg, size_t len);

struct pbpf_runtime_opts {
    size_t sz;
    /* number of execution slots (per-CPU map values); 0 = host CPU count */
    unsigned slots;
    /* where bpf_trace_printk (6) writes; NULL: nowhere — the helper still
     * formats and returns what Linux returns, as Linux does when nobody
     * reads the trace pipe.  Called from the thread running the program,
     * possibly from several threads at once. */
    pbpf_print_fn print;
    void *print_ctx;
    /* bpf_timer callbacks: 0 = a service thread of the runtime, started
     * by the first bpf_timer_start, fires them at their deadlines;
     * 1 = no thread, the embedder calls pbpf_runtime_run_timers */
    int manual_timers;
};

int pbpf_runtime_new(const struct pbpf_runtime_opts *opts, struct pbpf_runtime **out);
/* Stops the timer service: armed timers no longer fire. */
void pbpf_runtime_free(struct pbpf_runtime *rt);
/* With manual_timers: fires, on the calling thread, every timer whose
 * deadline (CLOCK_MONOTONIC, pbpf's bpf_ktime_get_ns clock) is at or
 * before now_ns.  The number fired, or -EBUSY when the runtime has a
 * service thread. */
int pbpf_runtime_run_timers(struct pbpf_runtime *rt, uint64_t now_ns);

/* A helper gets r1..r5 and the run context; its result becomes r0. */
typedef uint64_t (*pbpf_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                   uint64_t r5, struct pbpf_run_ctx *ctx);

/* Registers (or, with fn == NULL, removes) the helper for a Linux helper id;
 * name may be NULL to keep Linux's name.  Programs loaded afterwards see it. */
int pbpf_runtime_set_helper(struct pbpf_runtime *rt, uint32_t id, pbpf_helper_fn fn,
                            const char *name);

/* Linux name of a helper id ("map_lookup_elem"), or NULL. */
const char *pbpf_helper_name(uint32_t id);

enum pbpf_engine {
    PBPF_ENGINE_INTERP = 0,
    PBPF_ENGINE_JIT = 1,
};

enum pbpf_mode {
    /* every memory access is checked against the regions the run knows;
     * an instruction budget bounds the run.  For unverified bytecode. */
    PBPF_MODE_CHECKED = 0,
    /* no checks at run time: pbpf_prog_load first proves the program safe
     * with pbpf_verify() (pbpf/verifier.h) and refuses what it rejects,
     * as Linux's BPF_PROG_LOAD does.  The JIT runs only this mode. */
    PBPF_MODE_VERIFIED = 1,
};

struct pbpf_object_line_info; /* pbpf/object.h */
struct pbpf_object_func_info; /* pbpf/object.h */
struct pbpf_verifier_stats;   /* pbpf/verifier.h */

struct pbpf_prog_opts {
    size_t sz;
    enum pbpf_engine engine;
    enum pbpf_mode mode;
    const char *name;
    /* checked mode: instructions a run may execute (0 = 1,000,000 × 16) */
    uint64_t insn_budget;
    /* receives a one-line reason when loading fails */
    char *log_buf;
    size_t log_size;
    /* JIT engine: hardening, PBPF_JIT_* flags */
    unsigned jit_flags;
    /* The maps the program refers to, as Linux's fds: lddw src=1
     * (BPF_PSEUDO_MAP_FD) with imm = i loads maps[i]; lddw src=2
     * (BPF_PSEUDO_MAP_VALUE) with imm = i and the next slot's imm = off
     * loads the address of byte off of the value of a single-element
     * array map.  The program holds a reference on each until it is freed. */
    struct pbpf_map *const *maps;
    size_t map_cnt;
    /* Linux enum bpf_prog_type and bpf_attach_type (0: none, as for the
     * conformance vectors: r1 = mem, r2 = len) */
    uint32_t prog_type;
    uint32_t expected_attach_type;
    /* Non-zero: the bytecode comes from a source the embedder does not
     * trust (a network peer, an unprivileged user, a file others can
     * write).  The JIT then blinds constants (PBPF_JIT_BLIND_CONSTANTS)
     * unless jit_flags has PBPF_JIT_NO_BLIND_CONSTANTS, as Linux hardens
     * the JIT for unprivileged programs with net.core.bpf_jit_harden=1.
     * It changes nothing else: the JIT still runs only programs loaded in
     * verified mode, whoever wrote them. */
    int untrusted;

    /* --- verified mode: what pbpf_verify() (pbpf/verifier.h) is told --- */
    /* The license, as BPF_PROG_LOAD's: helpers Linux reserves for GPL code
     * (trace_printk, probe_read, ...) need a GPL-compatible one ("GPL",
     * "Dual BSD/GPL", ...).  NULL: none. */
    const char *license;
    /* PBPF_VERIFIER_CAP_ROOT (0, default) or PBPF_VERIFIER_CAP_BPF: the
     * privileges whose verdicts the verifier gives, as Linux's differ for
     * CAP_SYS_ADMIN and CAP_BPF loaders */
    int verifier_caps;
    /* 0: the log gets only the rejection reason (with its instruction and
     * source line); 1: + the path that led there; 2: every instruction
     * with its state, as Linux's log_level */
    int log_level;
    /* .BTF.ext line info (ascending instruction index) for messages */
    const struct pbpf_object_line_info *line_info;
    size_t line_info_cnt;
    /* prog_type 0 (r1 = mem, r2 = mem_len): the bytes mem holds at least.
     * The verifier proves accesses against it; later runs with a smaller
     * mem_len fail with -EINVAL. */
    uint32_t mem_size;
    /* Verified mode without running the verifier: only for bytecode the
     * embedder has proven safe itself, with this verifier and the same
     * options (e.g. once, before caching it).  Anything else must not set
     * it: the engines then run it with no checks at all. */
    int preverified;
    /* out (optional): the verifier's numbers (processed instructions,
     * states, stack depth, time) */
    struct pbpf_verifier_stats *verifier_stats;
    /* The program's BTF (.BTF bytes, pbpf_object_btf_data()) and .BTF.ext
     * func info: global functions are then verified as Linux does
     * (pbpf_verifier_opts.btf) */
    const void *btf;
    size_t btf_size;
    const struct pbpf_object_func_info *func_info;
    size_t func_info_cnt;
};

/* Constant blinding: immediates never appear in native code as written
 * (stored xor a random key), so bytecode cannot plant chosen instruction
 * bytes in executable memory (JIT spraying). */
#define PBPF_JIT_BLIND_CONSTANTS 0x1u
/* Indirect calls (helpers, callx) go through a retpoline (Spectre v2). */
#define PBPF_JIT_RETPOLINE 0x2u
/* No constant blinding even for an untrusted program (opts.untrusted);
 * with PBPF_JIT_BLIND_CONSTANTS too, loading fails (-EINVAL). */
#define PBPF_JIT_NO_BLIND_CONSTANTS 0x4u

/* Validates and prepares insns (copied) for execution.  In verified mode
 * the verifier runs first (unless opts->preverified): a program it rejects
 * is refused with its error (-EACCES unsafe, -EINVAL malformed, -E2BIG too
 * complex) and the reason in log_buf, in Linux's words. */
int pbpf_prog_load(struct pbpf_runtime *rt, const struct pbpf_insn *insns, size_t insn_cnt,
                   const struct pbpf_prog_opts *opts, struct pbpf_prog **out);
/* Drops the caller's reference; prog array slots holding the program keep
 * it alive until they are cleared. */
void pbpf_prog_free(struct pbpf_prog *prog);

size_t pbpf_prog_insn_cnt(const struct pbpf_prog *prog);
const struct pbpf_insn *pbpf_prog_insns(const struct pbpf_prog *prog);
enum pbpf_engine pbpf_prog_engine(const struct pbpf_prog *prog);
enum pbpf_mode pbpf_prog_mode(const struct pbpf_prog *prog);

struct pbpf_run_opts {
    size_t sz;
    /* in: count executed instructions (costs a little in verified mode) */
    int count_insns;
    /* out: instructions executed (when counted; always in checked mode) */
    uint64_t insns_executed;
    /* out: on failure, the instruction index where it happened */
    size_t err_pc;
    /* receives a one-line reason when the run fails */
    char *err_buf;
    size_t err_size;
    /* passed through to helpers: pbpf_run_ctx_user() */
    void *user;
};

/* Runs the program with r1 = mem, r2 = mem_len (the calling convention of
 * the conformance vectors and of uBPF), and the frame pointer r10 at the top
 * of a fresh 512-byte stack.  mem is readable and writable by the program.
 * Returns 0 and r0, or a negative errno: -EFAULT (checked mode: access
 * outside every known region), -ELOOP (budget exhausted), -EINVAL (call of
 * an unknown helper), -E2BIG (call depth over 8).
 *
 * bpf_tail_call (12) replaces the running program with a program of a prog
 * array, keeping r1 (r2..r9 start at 0, r10 is the same frame); at most 33
 * per run (Linux's MAX_TAIL_CALL_CNT), after which calls fall through like
 * missing slots.  Tail calls from bpf-to-bpf subprograms and from callbacks
 * stop the run with -EOPNOTSUPP.  bpf_loop (181) and bpf_for_each_map_elem
 * (164) call subprograms whose address the program took with lddw src=4;
 * a callback runs in the frame below its caller's.
 *
 * For a program of a hook's type, mem is that hook's context as the
 * verifier assumed it: a verified program follows the pointers in it (an
 * XDP frame's data and data_end, a sock_addr context's sk, which Linux
 * never passes as NULL) without checking them.  Build such contexts with
 * the hook API or pbpf_prog_test_run, which fill them in; a hand-made one
 * with a NULL or dangling pointer where the type promises an object is
 * the caller's error, as it would be in the kernel. */
int pbpf_prog_run(struct pbpf_prog *prog, void *mem, size_t mem_len, uint64_t *r0,
                  struct pbpf_run_opts *opts);

/* --- for helpers ------------------------------------------------------ */

void *pbpf_run_ctx_user(const struct pbpf_run_ctx *ctx);
struct pbpf_prog *pbpf_run_ctx_prog(const struct pbpf_run_ctx *ctx);
unsigned pbpf_run_ctx_slot(const struct pbpf_run_ctx *ctx);
/* Whether [ptr, ptr+len) is memory the program may access (write: may write
 * it).  Always true in verified mode, where the verifier proved it. */
int pbpf_run_ctx_check_mem(const struct pbpf_run_ctx *ctx, uint64_t ptr, uint64_t len, int write);
/* Makes memory a helper hands to the program (a map value, a record)
 * accessible for the rest of the run. Returns 0 or -ENOSPC. */
int pbpf_run_ctx_add_region(struct pbpf_run_ctx *ctx, void *ptr, uint64_t len, int writable);
/* Stops the run after the helper returns, with err and a message. */
void pbpf_run_ctx_abort(struct pbpf_run_ctx *ctx, int err, const char *msg);

/* --- text forms of bytecode -------------------------------------------- */

/* Assembles text (the conformance-file syntax, or llvm-objdump's) into
 * instructions.  *out is allocated (free with pbpf_free_insns). */
int pbpf_asm(const char *text, struct pbpf_insn **out, size_t *cnt, char *err, size_t err_size);
void pbpf_free_insns(struct pbpf_insn *insns);

enum pbpf_disasm_style {
    PBPF_DISASM_LLVM = 0,    /* r0 = *(u32 *)(r1 + 0x4) — llvm-objdump --print-imm-hex */
    PBPF_DISASM_CONFORMANCE, /* ldxw %r0, [%r1+4] — conformance files */
};

/* Disassembles one instruction (two slots for lddw) into buf; returns the
 * number of slots consumed, or a negative errno. */
int pbpf_disasm_insn(const struct pbpf_insn *insns, size_t cnt, size_t pc,
                     enum pbpf_disasm_style style, char *buf, size_t size);

/* --- JIT ---------------------------------------------------------------- */

/* The native code of a program loaded for the JIT engine (to dump or
 * disassemble it).  Returns 0, or -ENOENT when the program has none. */
int pbpf_prog_jited(const struct pbpf_prog *prog, const void **code, size_t *size);
/* Where each instruction's native code starts: (*offs)[i] is the offset in
 * the code of instruction slot i (the second slot of an lddw shares the
 * offset of the instruction after it), (*offs)[*cnt] the end of the body.
 * Code before (*offs)[0] is the entry, code after (*offs)[*cnt] the
 * shared failure paths and epilogue.  *cnt is the slot count.  Returns 0,
 * or -ENOENT when the program has no native code. */
int pbpf_prog_jited_offsets(const struct pbpf_prog *prog, const uint32_t **offs, size_t *cnt);

#ifdef __cplusplus
}
#endif
#endif
