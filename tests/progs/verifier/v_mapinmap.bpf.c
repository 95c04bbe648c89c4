/* Maps of maps: a lookup in an ARRAY_OF_MAPS or HASH_OF_MAPS gives
 * map_value_or_null, which the null check turns into a map pointer shaped
 * as the outer map's inner template (Linux: CONST_PTR_TO_MAP of
 * inner_map_meta).  That pointer is a helper's map argument (lookups give
 * values of the template's value size, updates, ring buffer output); it is
 * not a value, and programs may not change the outer map. */
#include "vdefs.h"

#define BPF_MAP_TYPE_ARRAY_OF_MAPS 12
#define BPF_MAP_TYPE_HASH_OF_MAPS 13
#define __array(name, val) typeof(val) *name[]

struct inner_arr {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} in_a SEC(".maps");

struct inner_hash {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u32);
} in_h SEC(".maps");

struct inner_rb {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} in_rb SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, 2);
    __type(key, __u32);
    __array(values, struct inner_arr);
} outer_a SEC(".maps") = {
    .values = {[0] = &in_a},
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
    __uint(max_entries, 2);
    __type(key, __u32);
    __array(values, struct inner_hash);
} outer_h SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, 1);
    __type(key, __u32);
    __array(values, struct inner_rb);
} outer_rb SEC(".maps");

/* r0 = lookup(OUTER, &0): the key at fp-4 stays 0 for the inner lookup */
#define LOOKUP(outer)                                                                              \
    "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[" #outer "] ll;"                \
    "call %[bpf_map_lookup_elem];"
/* r0 = lookup(r0, &0), r0 being the inner map */
#define INNER_LOOKUP "r1 = r0; r2 = r10; r2 += -4; call %[bpf_map_lookup_elem];"
#define MM(name, body)                                                                             \
    ASM_PROG("socket", name, body, __imm_addr(outer_a), __imm_addr(outer_h),                      \
             __imm_addr(outer_rb), __imm(bpf_map_lookup_elem), __imm(bpf_map_update_elem),        \
             __imm(bpf_map_delete_elem), __imm(bpf_ringbuf_output), __imm(bpf_ringbuf_reserve))

/* lookups through the inner map: values of the template's size */
MM(mim_array_ok, LOOKUP(outer_a) "if r0 == 0 goto l0_%=;" INNER_LOOKUP
   "if r0 == 0 goto l0_%=; r0 = *(u64 *)(r0 + 0); exit; l0_%=: r0 = 0; exit;")
MM(mim_hash_outer_ok, LOOKUP(outer_h) "if r0 == 0 goto l0_%=;" INNER_LOOKUP
   "if r0 == 0 goto l0_%=; r0 = *(u32 *)(r0 + 0); exit; l0_%=: r0 = 0; exit;")
MM(mim_inner_write_ok, LOOKUP(outer_a) "if r0 == 0 goto l0_%=;" INNER_LOOKUP
   "if r0 == 0 goto l0_%=; r1 = 7; *(u64 *)(r0 + 0) = r1; l0_%=: r0 = 0; exit;")
MM(mim_inner_oob, LOOKUP(outer_h) "if r0 == 0 goto l0_%=;" INNER_LOOKUP
   "if r0 == 0 goto l0_%=; r0 = *(u32 *)(r0 + 4); exit; l0_%=: r0 = 0; exit;")
MM(mim_inner_oob_array, LOOKUP(outer_a) "if r0 == 0 goto l0_%=;" INNER_LOOKUP
   "if r0 == 0 goto l0_%=; r0 = *(u64 *)(r0 + 4); exit; l0_%=: r0 = 0; exit;")
MM(mim_inner_value_no_null_check, LOOKUP(outer_h) "if r0 == 0 goto l0_%=;" INNER_LOOKUP
   "r0 = *(u32 *)(r0 + 0); exit; l0_%=: r0 = 0; exit;")
/* the outer result before its null check is no map */
MM(mim_no_null_check, LOOKUP(outer_a) INNER_LOOKUP "r0 = 0; exit;")
MM(mim_wrong_branch, LOOKUP(outer_a) "if r0 != 0 goto l0_%=;" INNER_LOOKUP
   "l0_%=: r0 = 0; exit;")
MM(mim_arith_before_check, LOOKUP(outer_a) "r0 += 8; r0 = 0; exit;")
MM(mim_arith_on_inner, LOOKUP(outer_a) "if r0 == 0 goto l0_%=; r0 += 8; l0_%=: r0 = 0; exit;")
/* the inner map pointer is not a value */
MM(mim_write_inner_ptr, LOOKUP(outer_a) "if r0 == 0 goto l0_%=; r1 = 1;"
   "*(u64 *)(r0 + 0) = r1; l0_%=: r0 = 0; exit;")
MM(mim_write_inner_hash_ptr, LOOKUP(outer_h) "if r0 == 0 goto l0_%=; r1 = 1;"
   "*(u32 *)(r0 + 0) = r1; l0_%=: r0 = 0; exit;")
MM(mim_inner_as_key, LOOKUP(outer_a) "if r0 == 0 goto l0_%=; r2 = r0; r1 = %[outer_a] ll;"
   "call %[bpf_map_lookup_elem]; l0_%=: r0 = 0; exit;")
/* updates and deletes through the inner map, from the program */
MM(mim_update_inner_ok, LOOKUP(outer_h) "if r0 == 0 goto l0_%=; r1 = r0; r2 = 5;"
   "*(u32 *)(r10 - 8) = r2; r2 = r10; r2 += -4; r3 = r10; r3 += -8; r4 = 0;"
   "call %[bpf_map_update_elem]; l0_%=: r0 = 0; exit;")
MM(mim_update_inner_array_ok, LOOKUP(outer_a) "if r0 == 0 goto l0_%=; r1 = r0; r2 = 5;"
   "*(u32 *)(r10 - 8) = r2; r2 = r10; r2 += -4; r3 = r10; r3 += -8; r4 = 0;"
   "call %[bpf_map_update_elem]; l0_%=: r0 = 0; exit;")
MM(mim_delete_inner_ok, LOOKUP(outer_h) "if r0 == 0 goto l0_%=; r1 = r0; r2 = r10; r2 += -4;"
   "call %[bpf_map_delete_elem]; l0_%=: r0 = 0; exit;")
/* programs only look up in the outer map */
MM(mim_outer_update, "r1 = 0; *(u32 *)(r10 - 4) = r1; *(u64 *)(r10 - 16) = r1; r2 = r10;"
   "r2 += -4; r3 = r10; r3 += -16; r4 = 0; r1 = %[outer_a] ll; call %[bpf_map_update_elem];"
   "r0 = 0; exit;")
MM(mim_outer_delete, "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4;"
   "r1 = %[outer_h] ll; call %[bpf_map_delete_elem]; r0 = 0; exit;")
/* an inner ring buffer: output and reserve take it, lookups do not */
MM(mim_ringbuf_output_ok, LOOKUP(outer_rb) "if r0 == 0 goto l0_%=; r1 = r0; r2 = r10; r2 += -4;"
   "r3 = 4; r4 = 0; call %[bpf_ringbuf_output]; l0_%=: r0 = 0; exit;")
MM(mim_ringbuf_lookup, LOOKUP(outer_rb) "if r0 == 0 goto l0_%=;" INNER_LOOKUP
   "l0_%=: r0 = 0; exit;")
MM(mim_array_as_ringbuf, LOOKUP(outer_a) "if r0 == 0 goto l0_%=; r1 = r0; r2 = r10; r2 += -4;"
   "r3 = 4; r4 = 0; call %[bpf_ringbuf_output]; l0_%=: r0 = 0; exit;")
/* a constant in-range key of an inner array: the value may still be
 * NULL when the template allows other sizes (kernel decides) */
MM(mim_inner_const_key_no_check, LOOKUP(outer_a) "if r0 == 0 goto l0_%=;" INNER_LOOKUP
   "r0 = *(u64 *)(r0 + 0); exit; l0_%=: r0 = 0; exit;")
/* the inner map pointer spilled and filled keeps its type */
MM(mim_spill_fill_ok, LOOKUP(outer_a) "if r0 == 0 goto l0_%=; *(u64 *)(r10 - 16) = r0;"
   "r1 = *(u64 *)(r10 - 16);  r2 = r10; r2 += -4; call %[bpf_map_lookup_elem];"
   "if r0 == 0 goto l0_%=; r0 = *(u64 *)(r0 + 0); exit; l0_%=: r0 = 0; exit;")

char _license[] SEC("license") = "GPL";
