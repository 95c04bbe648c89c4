/* pbpf verifier: a Linux-compatible static safety proof of a program.
 *
 * pbpf_verify() walks every path of the program the way Linux's verifier
 * does (path-sensitive abstract interpretation with state pruning) and
 * either accepts it or rejects it with Linux's reason.  On rejection the
 * log's last line is the reason in Linux's words ("R2 invalid mem access
 * 'scalar'"); the lines before it give the instruction, the source line
 * (with line info) and the branch decisions that led there. */
#ifndef PBPF_VERIFIER_H
#define PBPF_VERIFIER_H

#include <stddef.h>
#include <stdint.h>

#include "pbpf/pbpf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pbpf_object_line_info; /* pbpf/object.h */
struct pbpf_object_func_info; /* pbpf/object.h */
struct pbpf_ctx_desc;         /* src/hooks/ctx.h */

/* A context access the verifier proved: the load or store at insn_idx
 * reaches the context at byte base_off + insn.off (base_off: the constant
 * the base register held over the context pointer, usually 0).  The loader
 * rewrites these with pbpf_ctx_rewrite(). */
struct pbpf_verifier_ctx_access {
    uint32_t insn_idx;
    int32_t base_off;
};

struct pbpf_verifier_opts {
    size_t sz;
    /* Linux enum bpf_prog_type / bpf_attach_type.  prog_type 0 is the
     * conformance (uBPF) convention: r1 = a pointer to mem_size readable
     * and writable bytes, r2 = mem_size; helpers are those of no type. */
    uint32_t prog_type;
    uint32_t expected_attach_type;
    /* the lddw src=1/2 index table, as pbpf_prog_opts.maps */
    struct pbpf_map *const *maps;
    size_t map_cnt;
    uint32_t mem_size;
    /* 0: only the reason on failure; 1: + the path; 2: every instruction
     * with its state (Linux's log_level 2) */
    int log_level;
    char *log_buf;
    size_t log_size;
    /* .BTF.ext line info (instruction index ascending) for messages */
    const struct pbpf_object_line_info *line_info;
    size_t line_info_cnt;
    /* the program's license is GPL-compatible (gpl_only helpers) */
    int gpl;
    /* out (optional): the context accesses, in instruction order.  Up to
     * ctx_access_cap are written; stats->ctx_access_cnt gets the total. */
    struct pbpf_verifier_ctx_access *ctx_access;
    size_t ctx_access_cap;
    /* the loader's privileges, as Linux's verdicts depend on them:
     * PBPF_VERIFIER_CAP_ROOT (0, default: CAP_SYS_ADMIN) or
     * PBPF_VERIFIER_CAP_BPF (CAP_BPF + CAP_NET_ADMIN only: pointer leaks,
     * pointer comparisons, reads of uninitialised stack and Spectre-unsafe
     * pointer arithmetic are rejected) */
    int caps;
    /* the context layout of prog_type (src/hooks/ctx.h); NULL: the hooks'
     * own, pbpf_ctx_desc(prog_type) */
    const struct pbpf_ctx_desc *ctx_desc;
    /* The program's BTF (the bytes of its object's .BTF section) and its
     * .BTF.ext func info (one record per subprogram, by ascending
     * instruction index), as BPF_PROG_LOAD's prog_btf_fd and func_info.
     * With both, a subprogram whose BTF FUNC has global linkage is a
     * global function, as in Linux: verified once, on its own, with
     * arguments made from its BTF signature, each call checked against
     * that signature.  Without them every subprogram is verified at each
     * call with the caller's registers (Linux without func_info). */
    const void *btf;
    size_t btf_size;
    const struct pbpf_object_func_info *func_info;
    size_t func_info_cnt;
    /* A smaller budget of processed instructions than Linux's 1,000,000
     * (0, or any larger value: Linux's), for callers that must bound the verifier's
     * time more tightly, e.g. fuzzing; a program over it is rejected as
     * Linux rejects one over its own. */
    uint32_t insn_limit;
};

#define PBPF_VERIFIER_CAP_ROOT 0
#define PBPF_VERIFIER_CAP_BPF 1

struct pbpf_verifier_stats {
    uint64_t processed_insns; /* Linux's "processed N insns" */
    uint32_t peak_states;
    uint32_t total_states;
    uint32_t max_stack_depth; /* combined over the deepest call chain */
    uint64_t time_ns;
    size_t peak_mem;          /* bytes the verifier had allocated at most */
    size_t ctx_access_cnt;
    /* on rejection: the index of the instruction at fault (the one the
     * reason is about, as the log names it); -1 when the program was
     * accepted or no instruction is at fault (an empty or too long
     * program) */
    int64_t err_insn;
};

/* 0 = accepted; -EACCES (unsafe) or -EINVAL (malformed) as Linux returns,
 * -E2BIG (too complex: budget of 1M processed instructions), -ENOMEM.
 * opts and stats may be NULL. */
int pbpf_verify(const struct pbpf_insn *insns, size_t cnt, const struct pbpf_verifier_opts *opts,
                struct pbpf_verifier_stats *stats);

/* Whether a license string is GPL-compatible, by the list of Linux's
 * include/linux/license.h (license_is_gpl_compatible). */
int pbpf_license_gpl_compatible(const char *license);

#ifdef __cplusplus
}
#endif
#endif
