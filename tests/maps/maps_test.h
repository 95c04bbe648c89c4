/* Small harness for the map tests: checks that count failures, and macros
 * that build eBPF instructions (fields from src/isa/insn.h). */
#ifndef PBPF_TESTS_MAPS_TEST_H
#define PBPF_TESTS_MAPS_TEST_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa/insn.h"
#include "pbpf/maps.h"
#include "pbpf/pbpf.h"

static int mt_failures, mt_checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        mt_checks++;                                                                               \
        if (!(cond)) {                                                                             \
            mt_failures++;                                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long mt_a = (long long)(a), mt_b = (long long)(b);                                    \
        mt_checks++;                                                                               \
        if (mt_a != mt_b) {                                                                        \
            mt_failures++;                                                                         \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a,    \
                    mt_a, #b, mt_b);                                                               \
        }                                                                                          \
    } while (0)

static inline int mt_report(const char *name)
{
    if (mt_failures) {
        fprintf(stderr, "%s: %d of %d checks failed\n", name, mt_failures, mt_checks);
        return 1;
    }
    printf("%s: %d checks passed\n", name, mt_checks);
    return 0;
}

/* --- instruction builders -------------------------------------------------- */

#define MT_INSN(c, d, s, o, i)                                                                     \
    ((struct pbpf_insn){.code = (uint8_t)(c), .regs = PBPF_INSN_REGS(d, s), .off = (int16_t)(o),   \
                        .imm = (int32_t)(i)})
#define I_MOV64_IMM(d, i) MT_INSN(PBPF_CLS_ALU64 | PBPF_ALU_MOV, d, 0, 0, i)
#define I_MOV64_REG(d, s) MT_INSN(PBPF_CLS_ALU64 | PBPF_ALU_MOV | PBPF_SRC_X, d, s, 0, 0)
#define I_ADD64_IMM(d, i) MT_INSN(PBPF_CLS_ALU64 | PBPF_ALU_ADD, d, 0, 0, i)
#define I_ADD64_REG(d, s) MT_INSN(PBPF_CLS_ALU64 | PBPF_ALU_ADD | PBPF_SRC_X, d, s, 0, 0)
#define I_LDDW(d, v)                                                                               \
    MT_INSN(PBPF_CLS_LD | PBPF_MODE_IMM | PBPF_SIZE_DW, d, 0, 0, (uint32_t)(uint64_t)(v)),         \
        MT_INSN(0, 0, 0, 0, (uint32_t)((uint64_t)(v) >> 32))
#define I_MAP(d, m) I_LDDW(d, (uintptr_t)(m))
#define I_CALL(id) MT_INSN(PBPF_CLS_JMP | PBPF_JMP_CALL, 0, 0, 0, id)
#define I_EXIT() MT_INSN(PBPF_CLS_JMP | PBPF_JMP_EXIT, 0, 0, 0, 0)
#define I_JA(o) MT_INSN(PBPF_CLS_JMP | PBPF_JMP_JA, 0, 0, o, 0)
#define I_JEQ_IMM(d, i, o) MT_INSN(PBPF_CLS_JMP | PBPF_JMP_JEQ, d, 0, o, i)
#define I_JNE_IMM(d, i, o) MT_INSN(PBPF_CLS_JMP | PBPF_JMP_JNE, d, 0, o, i)
#define I_JLT_IMM(d, i, o) MT_INSN(PBPF_CLS_JMP | PBPF_JMP_JLT, d, 0, o, i)
#define I_STX_DW(d, s, o) MT_INSN(PBPF_CLS_STX | PBPF_MODE_MEM | PBPF_SIZE_DW, d, s, o, 0)
#define I_STX_W(d, s, o) MT_INSN(PBPF_CLS_STX | PBPF_MODE_MEM | PBPF_SIZE_W, d, s, o, 0)
#define I_ST_DW(d, o, i) MT_INSN(PBPF_CLS_ST | PBPF_MODE_MEM | PBPF_SIZE_DW, d, 0, o, i)
#define I_ST_W(d, o, i) MT_INSN(PBPF_CLS_ST | PBPF_MODE_MEM | PBPF_SIZE_W, d, 0, o, i)
#define I_LDX_DW(d, s, o) MT_INSN(PBPF_CLS_LDX | PBPF_MODE_MEM | PBPF_SIZE_DW, d, s, o, 0)
#define I_LDX_W(d, s, o) MT_INSN(PBPF_CLS_LDX | PBPF_MODE_MEM | PBPF_SIZE_W, d, s, o, 0)
#define I_XADD_DW(d, s, o) MT_INSN(PBPF_CLS_STX | PBPF_MODE_ATOMIC | PBPF_SIZE_DW, d, s, o, 0)

#define MT_LEN(a) (sizeof(a) / sizeof((a)[0]))

static inline struct pbpf_map *mt_map(struct pbpf_runtime *rt, uint32_t type, uint32_t ks,
                                      uint32_t vs, uint32_t max, uint32_t flags)
{
    PBPF_OPTS(pbpf_map_create_opts, o, .type = type, .key_size = ks, .value_size = vs,
              .max_entries = max, .map_flags = flags);
    struct pbpf_map *m = NULL;
    int rc = pbpf_map_create(rt, &o, &m);
    if (rc) {
        fprintf(stderr, "map create (type %u) failed: %d\n", type, rc);
        exit(1);
    }
    return m;
}

static inline int mt_create_rc(struct pbpf_runtime *rt, uint32_t type, uint32_t ks, uint32_t vs,
                               uint32_t max, uint32_t flags)
{
    PBPF_OPTS(pbpf_map_create_opts, o, .type = type, .key_size = ks, .value_size = vs,
              .max_entries = max, .map_flags = flags);
    struct pbpf_map *m = NULL;
    int rc = pbpf_map_create(rt, &o, &m);
    pbpf_map_free(m);
    return rc;
}

#endif
