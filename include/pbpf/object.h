/* pbpf: BPF ELF objects as clang builds them for Linux (`clang -O2 -g
 * -target bpf -c x.bpf.c`), parsed into a read-only description:
 * programs with their Linux program and attach types and their final,
 * linked instructions; map definitions (legacy `maps`, BTF `.maps`, global
 * data sections, `.kconfig`); license, version, BTF.
 *
 * Nothing here creates maps or runs code: instructions that refer to maps
 * use Linux's index forms (lddw src=5 BPF_PSEUDO_MAP_IDX, src=6
 * BPF_PSEUDO_MAP_IDX_VALUE with imm = map index and the next slot's imm =
 * offset), which a loader replaces with real addresses. */
#ifndef PBPF_OBJECT_H
#define PBPF_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "pbpf/pbpf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pbpf_object;

/* What an instruction of a program refers to, for a loader to resolve. */
enum pbpf_object_relo_kind {
    PBPF_RELO_MAP = 1,       /* lddw src=5: imm = map index */
    PBPF_RELO_MAP_VALUE = 2, /* lddw src=6: imm = map index, next imm = offset */
    PBPF_RELO_CALL = 3,      /* bpf-to-bpf call, already linked (imm relative) */
    PBPF_RELO_FUNC_ADDR = 4, /* lddw src=4 callback address, already linked */
    PBPF_RELO_KFUNC = 5,     /* call src=2 of the extern function `name` */
    PBPF_RELO_KSYM = 6,      /* lddw src=3 of the extern variable `name` (.ksyms) */
};

struct pbpf_object_relo {
    uint32_t insn_idx; /* in the program's final instructions */
    uint32_t kind;     /* enum pbpf_object_relo_kind */
    uint32_t map_idx;  /* MAP, MAP_VALUE */
    uint32_t off;      /* MAP_VALUE: offset in the value */
    const char *name;  /* the symbol the ELF relocation named */
};

/* BTF.ext records of a program, with instruction indexes into its final
 * instructions (subprograms included). */
struct pbpf_object_func_info {
    uint32_t insn_idx;
    uint32_t type_id; /* a BTF FUNC */
};
struct pbpf_object_line_info {
    uint32_t insn_idx;
    const char *file;
    const char *line; /* the source text */
    uint32_t line_no;
    uint32_t col;
};
struct pbpf_object_core_relo {
    uint32_t insn_idx;
    uint32_t type_id;   /* local BTF type the access starts from */
    const char *access; /* "0:1:2" */
    uint32_t kind;      /* libbpf's enum bpf_core_relo_kind */
};

struct pbpf_object_prog {
    const char *name;    /* the function's name */
    const char *section; /* its ELF section, SEC("...") */
    /* Linux enum bpf_prog_type / bpf_attach_type from the section name;
     * type_known = 0 when the name is not one libbpf knows (iproute2's
     * "2/1", Cilium's "from-netdev"...): prog_type is then 0 and the
     * caller sets it. */
    uint32_t prog_type;
    uint32_t expected_attach_type;
    int type_known;
    int sleepable;
    const char *attach_target; /* the part after "type/" or "" */
    /* final instructions: the function, then every function it calls
     * (directly or through callbacks), in libbpf's order */
    const struct pbpf_insn *insns;
    size_t insn_cnt;
    size_t sec_insn_off; /* the function inside its section, in insns */
    size_t sec_insn_cnt;
    const struct pbpf_object_relo *relos;
    size_t relo_cnt;
    const struct pbpf_object_func_info *func_info;
    size_t func_info_cnt;
    const struct pbpf_object_line_info *line_info;
    size_t line_info_cnt;
    const struct pbpf_object_core_relo *core_relos;
    size_t core_relo_cnt;
};

enum pbpf_object_map_kind {
    PBPF_OBJMAP_LEGACY = 1,  /* struct bpf_map_def in SEC("maps") */
    PBPF_OBJMAP_BTF = 2,     /* BTF-defined, SEC(".maps") */
    PBPF_OBJMAP_DATA = 3,    /* .data, .rodata, .bss, .data.*, .rodata.* */
    PBPF_OBJMAP_KCONFIG = 4, /* the externs of .kconfig */
};

/* One initial element of a prog array or map-in-map (`.values = {...}`). */
struct pbpf_object_map_slot {
    uint32_t slot;
    uint32_t target; /* program index (prog array) or map index */
};

struct pbpf_object_map {
    const char *name;
    uint32_t kind; /* enum pbpf_object_map_kind */
    uint32_t type; /* Linux enum bpf_map_type */
    uint32_t key_size;
    uint32_t value_size;
    uint32_t max_entries;
    uint32_t map_flags;
    uint32_t numa_node;
    uint32_t pinning; /* LIBBPF_PIN_*, or iproute2's PIN_* for legacy maps */
    uint64_t map_extra;
    uint32_t btf_key_type_id; /* 0 when not known */
    uint32_t btf_value_type_id;
    const struct pbpf_object_map *inner; /* map-in-map template, or NULL */
    const struct pbpf_object_map_slot *init_slots;
    size_t init_slot_cnt;
    /* DATA: the section's bytes (NULL for .bss and .kconfig: zeroes) */
    const uint8_t *data;
    size_t data_size;
    const char *section;
};

struct pbpf_object_extern {
    const char *name;
    int is_func;    /* kfunc */
    int is_kconfig; /* in .kconfig: a value in the kconfig map at `off` */
    int is_weak;
    uint32_t btf_id; /* VAR or FUNC, 0 without BTF */
    uint32_t size;
    uint32_t off;
};

struct pbpf_object_opts {
    size_t sz;
    /* receives a one-line reason when opening fails */
    char *log_buf;
    size_t log_size;
};

/* Parses an ELF object in memory (copied; buf may be freed afterwards).
 * Returns 0, -EINVAL for a malformed object (the message names the section
 * and offset), -ENOTSUP for a valid object using something not supported,
 * or -ENOMEM. */
int pbpf_object_open_mem(const void *buf, size_t len, const struct pbpf_object_opts *opts,
                         struct pbpf_object **out);
void pbpf_object_close(struct pbpf_object *obj);

size_t pbpf_object_prog_cnt(const struct pbpf_object *obj);
const struct pbpf_object_prog *pbpf_object_prog(const struct pbpf_object *obj, size_t idx);
const struct pbpf_object_prog *pbpf_object_prog_by_name(const struct pbpf_object *obj,
                                                        const char *name);
size_t pbpf_object_map_cnt(const struct pbpf_object *obj);
const struct pbpf_object_map *pbpf_object_map(const struct pbpf_object *obj, size_t idx);
size_t pbpf_object_extern_cnt(const struct pbpf_object *obj);
const struct pbpf_object_extern *pbpf_object_extern(const struct pbpf_object *obj, size_t idx);
/* SEC("license") ("" if absent) and SEC("version") (0 if absent). */
const char *pbpf_object_license(const struct pbpf_object *obj);
uint32_t pbpf_object_kern_version(const struct pbpf_object *obj);
/* Whether the object has .BTF / .BTF.ext. */
int pbpf_object_has_btf(const struct pbpf_object *obj);
/* The bytes of the object's .BTF section (valid while the object is
 * open), or NULL with *size = 0 when it has none. */
const void *pbpf_object_btf_data(const struct pbpf_object *obj, size_t *size);

/* Program and attach type of a section name by libbpf's SEC() rules.
 * Returns 0, or -ENOENT for a name libbpf does not know. */
int pbpf_sec_prog_type(const char *sec, uint32_t *prog_type, uint32_t *attach_type,
                       int *sleepable);
/* Linux names without prefix, lower case ("xdp", "sched_cls",
 * "cgroup_inet_ingress"), or NULL for unknown values. */
const char *pbpf_prog_type_name(uint32_t prog_type);
const char *pbpf_attach_type_name(uint32_t attach_type);

#ifdef __cplusplus
}
#endif
#endif
