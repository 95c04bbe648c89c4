/* The libbpf-compatible objects (struct bpf_object, bpf_program, bpf_map,
 * bpf_link): what the files of src/compat share about them. */
#ifndef PBPF_COMPAT_OBJECT_H
#define PBPF_COMPAT_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pbpf/maps.h"
#include "pbpf/object.h"
#include "pbpf/pbpf.h"

struct bpf_program {
    struct bpf_object *obj;
    size_t idx; /* in the pbpf object */
    const char *name, *sec, *target;
    uint32_t type, attach_type;
    bool autoload;
    struct pbpf_prog *prog; /* after load (owned by the pbpf object) */
    int fd;
};

struct bpf_map {
    struct bpf_object *obj;
    size_t idx;
    uint32_t kind; /* enum pbpf_object_map_kind */
    char name[16]; /* libbpf's name: "minimal_.bss" for global data */
    const char *real_name;
    uint32_t type, key_size, value_size, max_entries, map_flags;
    /* global data: the section's bytes before load (the skeleton's and
     * bpf_map__initial_value's memory, init_size bytes of whole pages),
     * then the map's own memory, mapped with mmap_prot (PBPF_MAP_PROT_*) */
    uint8_t *init;
    size_t init_size;
    void *mmaped;
    unsigned mmap_prot;
    struct pbpf_map *map; /* after load (owned by the pbpf object) */
    int fd;
};

struct bpf_object {
    char name[64];
    struct pbpf_object *o;
    struct bpf_program *progs;
    size_t prog_cnt;
    struct bpf_map *maps;
    size_t map_cnt;
    bool loaded;
    char *kconfig, *btf_custom_path, *pin_root_path;
    struct btf *btf; /* bpf_object__btf's, made on first use */
};

/* Detaches every link of prog (its object is closing; the links stay
 * allocated until bpf_link__destroy). */
void compat_links_forget(const struct bpf_program *prog);

#endif
