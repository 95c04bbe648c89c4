/* What the commands on ELF objects share (prog, map, btf, run OBJ, batch):
 * opening and loading an object by path, finding its programs and maps,
 * printing bytes and JSON.
 *
 * Maps live in the process that loaded them: a `pbpf` command loads its
 * object, acts and exits, and the maps go with it.  `pbpf batch FILE` runs
 * many commands in one process; there the same OBJ path names the same
 * loaded object from one command to the next (so `map update`, then `run`,
 * then `map dump` see one set of maps), and `map pin` makes a map reachable
 * as `pinned PATH` until the batch ends. */
#ifndef PBPF_TOOLS_OBJCLI_H
#define PBPF_TOOLS_OBJCLI_H

#include <stdint.h>
#include <stdio.h>

#include "pbpf/loader.h"
#include "pbpf/maps.h"
#include "pbpf/object.h"

struct cli_obj {
    char *path;
    struct pbpf_object *obj;
    struct pbpf_runtime *rt;
    int load_tried, loaded;
    char load_err[512]; /* why loading failed */
    struct cli_obj *next;
};

/* Whether path starts with the ELF magic (else: bytecode or text). */
int cli_is_elf(const char *path);
/* The object at path, opened (cached for the life of the process).  On
 * failure prints the reason and returns 1. */
int cli_obj_open(const char *path, struct cli_obj **out);
/* Loads it (once; all programs on the checked interpreter): 0, or -1 with
 * the reason in o->load_err (not printed). */
int cli_obj_try_load(struct cli_obj *o);
/* Both, printing the reason on failure (returns 1). */
int cli_obj_get(const char *path, struct cli_obj **out);
/* Frees every cached object (end of the process or of a batch). */
void cli_obj_release_all(void);

/* Program by name (`--prog NAME`; NULL = the only program, an error when
 * the object has several).  Returns its index or -1 after printing why. */
int cli_obj_find_prog(const struct cli_obj *o, const char *name);

/* A map reference on the command line: `OBJ NAME` or `pinned PATH`.
 * Consumes the arguments from argv[*i] on; on success *map holds a new
 * reference (drop with pbpf_map_free) and *obj_map its definition when it
 * came from an object (else NULL).  Returns 0 or 1 after printing why. */
int cli_map_ref(int argc, char **argv, int *i, struct pbpf_map **map,
                const struct pbpf_object_map **obj_map, struct cli_obj **obj);

/* Linux's name of a map type ("percpu_array"), or NULL. */
const char *cli_map_type_name(uint32_t type);

/* Bytes as bpftool prints them: "0a 01 00 42". */
void cli_print_hex(FILE *f, const void *data, size_t len);
/* Bytes as a JSON array of "0x0a" strings (bpftool's form). */
void cli_json_hex(FILE *f, const void *data, size_t len);

/* The replay clock: while set (non-zero), bpf_ktime_get_ns and its
 * variants return it (a pcap replay runs at the capture's time). */
extern uint64_t cli_replay_clock_ns;

/* Runs a command line as `pbpf argv...` would (batch). */
int cli_dispatch(int argc, char **argv);

/* Commands (argv[0] is the command name). */
int cli_cmd_prog(int argc, char **argv);
int cli_cmd_map(int argc, char **argv);
int cli_cmd_btf(int argc, char **argv);
int cli_cmd_batch(int argc, char **argv);
/* `pbpf run OBJ ...`: cmd_run.c hands ELF files here. */
int cli_run_object(int argc, char **argv);

#endif
