/* Reader of conformance test files (the `.data` format described in the
 * conformance suite's README §1): program, input memory, expected result or
 * error.  Used by the CLI, the tests and the benchmarks; not part of the
 * core library. */
#ifndef PBPF_TOOLS_CFILE_H
#define PBPF_TOOLS_CFILE_H

#include <stddef.h>
#include <stdint.h>

#include "pbpf/pbpf.h"

struct pbpf_cfile {
    struct pbpf_insn *insns; /* from `-- raw` if present, else assembled `-- asm` */
    size_t insn_cnt;
    char *asm_text;          /* the `-- asm` section as written (NULL if none) */
    uint8_t *mem;            /* `-- mem` bytes (NULL if none) */
    size_t mem_len;
    int has_result;          /* `-- result` present */
    uint64_t result;
    int has_error;           /* `-- error` present: the program must be rejected */
    char *error_text;        /* the line after `-- error` ("" if empty) */
};

/* Parses a file's text.  Returns 0, or a negative errno with a message
 * naming the line ("line 12: unknown mnemonic 'foo'") in err. */
int pbpf_cfile_parse(const char *text, size_t len, struct pbpf_cfile *out, char *err,
                     size_t err_size);
/* Reads and parses a file. */
int pbpf_cfile_load(const char *path, struct pbpf_cfile *out, char *err, size_t err_size);
void pbpf_cfile_free(struct pbpf_cfile *f);

/* Parses hex bytes ("00 01 ff", any blanks/newlines, optional 0x) into a
 * newly allocated buffer.  Used for `-- mem`, `--mem HEX` and plugin input. */
int pbpf_hex_parse(const char *text, uint8_t **out, size_t *len, char *err, size_t err_size);

#endif
