/* Test runs of one program on every pbpf engine and in the kernel, shared
 * by the hook tests: inputs (packet, context, output room), results, the
 * comparison of two results, and loading a test object. */
#ifndef PBPF_TESTS_HOOK_RUN_H
#define PBPF_TESTS_HOOK_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "pbpf/object.h"
#include "pbpf/pbpf.h"

struct hr_input {
    const uint8_t *data;
    uint32_t size;
    const void *ctx;
    uint32_t ctx_size;
    uint32_t data_room; /* 0: no data_out */
    uint32_t ctx_room;  /* 0: no ctx_out */
    int repeat;
};

struct hr_result {
    int rc;
    uint32_t retval, data_size_out, ctx_size_out;
    /* pbpf only (Linux reports neither) */
    uint32_t redirect_type, redirect_ifindex;
    uint64_t redirect_flags;
    uint32_t msg_apply_bytes, msg_cork_bytes;
    uint8_t data[4096];
    uint8_t ctx[256];
};

/* runs on pbpf's engines, and of those the ones compared with Linux */
struct hr_counts {
    size_t runs, kernel;
};

/* One test run on pbpf (the reason of a failure into err) or in the
 * kernel (fd from kbpf_prog_load). */
void hr_pbpf_test(struct pbpf_prog *prog, const struct hr_input *in, struct hr_result *r,
                  char *err, size_t err_size);
void hr_kernel_test(int fd, const struct hr_input *in, struct hr_result *r);

/* The same outcome: rc; on success or -ENOSPC, retval and what both
 * wrote to data_out and ctx_out.  0 with the first difference in why. */
int hr_same(const struct hr_result *a, const struct hr_result *b, const struct hr_input *in,
            char *why, size_t why_size);

/* Loads op on each engine (and in the kernel when `kernel`: a refusal
 * fails the test), runs every input on each and compares them; the
 * checked interpreter's results go to first[]. */
void hr_run_prog(struct pbpf_runtime *rt, const struct pbpf_object_prog *op,
                 const struct hr_input *ins, size_t nin, struct hr_result *first, int kernel,
                 struct hr_counts *counts);

/* Opens dir/name (a failure fails the test: NULL). */
struct pbpf_object *hr_open_obj(const char *dir, const char *name);

/* The program of that name (a failure fails the test: NULL). */
const struct pbpf_object_prog *hr_find_prog(struct pbpf_object *obj, const char *name);

#endif
