/* kobj: the programs of an object loaded by pbpf's loader, loaded again
 * into the Linux kernel, for differential tests and benchmarks.
 *
 * libbpf 1.x refuses what older loaders take (legacy SEC("maps"),
 * iproute2's "ID/SLOT" sections), so the kernel side is built from pbpf's
 * own view of the object, the way a custom loader (iproute2, Cilium's)
 * does it: one kernel map per map of the loaded object (same type, sizes,
 * flags, and the contents global data maps start with), and each
 * program's relocated instructions (pbpf_object_prog_xlated) with its
 * map table turned into kernel file descriptors (lddw src=1/2, imm = fd).
 * No BTF is given to the kernel: global functions are then verified as
 * static ones, and programs that need BTF (spin locks, timers, kfuncs)
 * are refused there. */
#ifndef PBPF_TESTS_KOBJ_H
#define PBPF_TESTS_KOBJ_H

#include <stddef.h>
#include <stdint.h>

#include "pbpf/loader.h"

struct kobj {
    const struct pbpf_object *obj;
    size_t map_cnt, prog_cnt;
    int *map_fd;  /* by object map index, -1: none */
    int *prog_fd; /* by object program index, -1: not loaded */
};

/* Creates the kernel maps of obj (loaded by pbpf_object_load, before any
 * program ran: data maps are copied).  Returns 0 or a negative errno with
 * the reason in why. */
int kobj_open(struct kobj *k, const struct pbpf_object *obj, char *why, size_t why_size);

/* Loads program prog_idx (loaded in pbpf too) with the given type.
 * stats: the verifier's time and processed count into *us, *insns (-1
 * when unknown; NULL: not asked).  Returns the fd or a negative errno
 * with the kernel's reason in why. */
int kobj_load_prog(struct kobj *k, size_t prog_idx, uint32_t prog_type, uint32_t attach_type,
                   long *us, long *insns, char *why, size_t why_size);

/* The kernel map of object map `name`, or -1. */
int kobj_map_fd(const struct kobj *k, const char *name);

void kobj_close(struct kobj *k);

#endif
