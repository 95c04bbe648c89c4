/* pbpf loader: turns an opened object (pbpf/object.h) into live maps and
 * loaded programs, the job of libbpf's bpf_object__load():
 *
 *   - creates every map of the object: legacy `maps`, BTF `.maps` (with
 *     inner-map templates), global data (.data, .rodata, .bss, .data.*,
 *     .rodata.*) as single-element arrays holding the section's bytes
 *     (.rodata* with BPF_F_RDONLY_PROG, frozen after filling), `.kconfig`
 *     filled from the kernel version and the caller's kconfig text;
 *   - reuses maps pinned by name (pin_root_path) or given by the caller;
 *   - applies CO-RE relocations against a target BTF (poisoning the ones
 *     that cannot be resolved, as libbpf does);
 *   - rewrites map references (lddw src=5/6) to the program's own map
 *     table (lddw src=1/2) and loads every autoload program;
 *   - fills prog arrays and maps of maps from their initial `.values`.
 *
 * Typical use:
 *
 *     pbpf_object_open_mem(buf, len, NULL, &obj);
 *     PBPF_OPTS(pbpf_object_load_opts, lo, .log_buf = msg, .log_size = sizeof(msg));
 *     pbpf_object_load(obj, rt, &lo);
 *     prog = pbpf_object_prog_handle(obj, 0);
 *     pbpf_prog_run(prog, ...);
 *     pbpf_object_close(obj);   (frees the maps and programs too)
 */
#ifndef PBPF_LOADER_H
#define PBPF_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pbpf/maps.h"
#include "pbpf/object.h"
#include "pbpf/pbpf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The helper id of an instruction a CO-RE relocation could not resolve
 * (libbpf's poison: `call 0xbad2310`).  Loading succeeds; running the
 * instruction stops the program with a message naming the relocation. */
#define PBPF_CORE_POISON_HELPER 195896080 /* 0xbad2310 */

struct pbpf_object_load_opts {
    size_t sz;
    /* engine, mode, JIT flags and instruction budget of every program */
    enum pbpf_engine engine;
    enum pbpf_mode mode;
    unsigned jit_flags;
    uint64_t insn_budget;
    /* CO-RE target: a raw BTF file or an ELF file with .BTF; NULL =
     * /sys/kernel/btf/vmlinux when it exists (CO-RE relocations that need
     * a target fail to load without one) */
    const char *btf_custom_path;
    /* LINUX_KERNEL_VERSION for .kconfig (0 = the host's, when known) */
    uint32_t kern_version;
    /* values of CONFIG_* externs in .kconfig: "CONFIG_X=y\nCONFIG_Y=42\n"
     * (y/n/m, numbers, "quoted strings"), as libbpf's kconfig option */
    const char *kconfig;
    /* maps with pinning = LIBBPF_PIN_BY_NAME (or iproute2's PIN_GLOBAL_NS)
     * are shared by name under this root: the first object creates and
     * pins, later ones reuse when the definition matches.  NULL =
     * "/sys/fs/bpf" (a name space, not a file system path here) */
    const char *pin_root_path;
    /* receives a one-line reason when loading fails */
    char *log_buf;
    size_t log_size;
    /* the object comes from an untrusted source: every program is loaded
     * with pbpf_prog_opts.untrusted (see pbpf/pbpf.h) */
    int untrusted;
    /* verified mode: pbpf_prog_opts.verifier_caps and .log_level of every
     * program (the verifier's log goes to log_buf) */
    int verifier_caps;
    int log_level;
};

/* Creates the maps and loads the programs of obj in runtime rt.  Returns 0
 * or a negative errno with a message naming the program/map and the
 * instruction: -EINVAL (bad definition, unresolved strong extern, ...),
 * -ENOTSUP (kfuncs, .ksyms, struct_ops, unsupported map types), -ENOENT
 * (CO-RE target BTF missing), -EEXIST (pinned map with a different
 * definition), -ENOMEM, or what pbpf_prog_load returned.  On failure
 * everything created so far is released; an object loads at most once
 * (-EBUSY afterwards).  rt must outlive the object. */
int pbpf_object_load(struct pbpf_object *obj, struct pbpf_runtime *rt,
                     const struct pbpf_object_load_opts *opts);

/* --- before loading (-EBUSY after) --------------------------------------- */

/* Overrides the program and attach type (needed where the section name is
 * not one libbpf knows: iproute2's "classifier", Cilium's "from-netdev"). */
int pbpf_object_set_prog_type(struct pbpf_object *obj, size_t prog_idx, uint32_t prog_type,
                              uint32_t expected_attach_type);
/* Whether pbpf_object_load loads the program (default: true). */
int pbpf_object_set_autoload(struct pbpf_object *obj, size_t prog_idx, bool autoload);
int pbpf_object_set_map_max_entries(struct pbpf_object *obj, size_t map_idx, uint32_t v);
int pbpf_object_set_map_value_size(struct pbpf_object *obj, size_t map_idx, uint32_t v);
/* Replaces the initial bytes of a global data map (size must equal the
 * map's value size, as libbpf's bpf_map__set_initial_value). */
int pbpf_object_set_map_initial_value(struct pbpf_object *obj, size_t map_idx,
                                      const void *data, size_t size);
/* Uses an existing map instead of creating one (takes a reference; the
 * type, key and value sizes and max_entries must match at load). */
int pbpf_object_reuse_map(struct pbpf_object *obj, size_t map_idx, struct pbpf_map *map);

/* --- after loading -------------------------------------------------------- */

/* Whether pbpf_object_load succeeded on obj. */
bool pbpf_object_loaded(const struct pbpf_object *obj);
/* The live map (owned by the object), or NULL before loading. */
struct pbpf_map *pbpf_object_map_handle(const struct pbpf_object *obj, size_t map_idx);
/* The loaded program (owned by the object), or NULL when it was not
 * loaded (autoload off, or before loading). */
struct pbpf_prog *pbpf_object_prog_handle(const struct pbpf_object *obj, size_t prog_idx);
/* The instructions given to pbpf_prog_load: after CO-RE and map
 * relocation (lddw src=1/2 with indexes into the program's map table).
 * -ENOENT when the program was not loaded. */
int pbpf_object_prog_xlated(const struct pbpf_object *obj, size_t prog_idx,
                            const struct pbpf_insn **insns, size_t *cnt);
/* The program's map table (lddw src=1/2 imm i → maps[i]); -ENOENT when
 * the program was not loaded. */
int pbpf_object_prog_maps(const struct pbpf_object *obj, size_t prog_idx,
                          struct pbpf_map *const **maps, size_t *cnt);
/* Index of the map/program called name, or -ENOENT. */
int pbpf_object_find_map(const struct pbpf_object *obj, const char *name);
int pbpf_object_find_prog(const struct pbpf_object *obj, const char *name);

#ifdef __cplusplus
}
#endif
#endif
