/* The pbpf command-line tool: what the command files share.  Portable C11
 * only (it builds with mingw-w64 too); time comes from the platform layer. */
#ifndef PBPF_TOOLS_CLI_H
#define PBPF_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pbpf/pbpf.h"

/* mingw-w64 checks formats against its C99 printf (see exec.h). */
#if defined(__MINGW32__)
#define CLI_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF(f, a)
#endif

/* Names used in messages: "pbpf" or "pbpf-plugin", and the command. */
extern const char *cli_tool;
extern const char *cli_cmd;

/* Prints "<tool>: <cmd>: <message>" on stderr; returns 1 (the exit status
 * of a failed command). */
int cli_error(const char *fmt, ...) CLI_PRINTF(1, 2);

/* Reads a whole file; *data is NUL-terminated (not counted in *len). */
int cli_read_file(const char *path, char **data, size_t *len);
/* Reads a stream to its end, the same way. */
int cli_read_stream(FILE *f, char **data, size_t *len);
int cli_write_file(const char *path, const void *data, size_t len);

/* Raw bytecode: 8 bytes per slot, little-endian fields (RFC 9669 §3). */
int cli_bytes_to_insns(const uint8_t *b, size_t len, struct pbpf_insn **out, size_t *cnt);
void cli_insn_to_bytes(const struct pbpf_insn *in, uint8_t out[8]);

/* A program read from a file of any of the forms the tool accepts. */
enum cli_input_kind {
    CLI_INPUT_RAW,  /* raw bytecode */
    CLI_INPUT_ASM,  /* assembly text */
    CLI_INPUT_DATA, /* conformance test file */
};

struct cli_input {
    enum cli_input_kind kind;
    struct pbpf_insn *insns;
    size_t cnt;
    uint8_t *mem; /* conformance file's `-- mem`, else NULL */
    size_t mem_len;
    int has_result;
    uint64_t result;
};

/* Reads path and tells the forms apart: a file holding a NUL byte is raw
 * bytecode; a text file named *.data or with a `--` section line is a
 * conformance file; any other text is assembly.  On failure prints the
 * reason (naming the file) and returns 1. */
int cli_input_load(const char *path, struct cli_input *in);
void cli_input_free(struct cli_input *in);

/* Option parsing.  cli_opt() matches argv[*i] against `name` (also in the
 * `name=value` form) and takes its value; returns 1 on a match, 0 if it is
 * another argument, -1 (after printing why) if the value is missing. */
int cli_opt(int argc, char **argv, int *i, const char *name, const char **value);
int cli_is_help(const char *arg);
int cli_parse_u64(const char *s, uint64_t *v);
int cli_parse_engine(const char *s, enum pbpf_engine *e);
int cli_parse_mode(const char *s, enum pbpf_mode *m);
const char *cli_engine_name(enum pbpf_engine e);
const char *cli_mode_name(enum pbpf_mode m);
/* Complains about an argument the command does not know; returns 1. */
int cli_bad_arg(const char *arg);

/* A command's arguments, parsed in order: `--help`/`-h` anywhere shows
 * the usage; a flag sets *flag; an option with a value (`--name V` or
 * `--name=V`) stores it in *value and, with check, is checked or converted
 * on the spot (check returns 0, or 1 after printing why); any other word
 * starting with '-' is an unknown option; the rest go to positional, which
 * returns 0 to take the word or non-zero for an unexpected argument.
 * Errors are reported at the first argument that is wrong. */
struct cli_optspec {
    const char *name;
    int *flag;          /* a flag: set to 1 */
    const char **value; /* an option with a value */
    int (*check)(const char *value, void *arg);
    void *arg;
};
/* 0: parsed; 1: an error was printed (the command fails); 2: the usage
 * was printed (the command succeeds). */
int cli_parse_args(int argc, char **argv, const struct cli_optspec *opts, size_t nopts,
                   int (*positional)(void *ctx, const char *word), void *ctx,
                   void (*usage)(void));
/* A positional taker for cli_parse_args (ctx: struct cli_slots): each word
 * goes to the first of the n slots still NULL; one too many is unexpected. */
struct cli_slots {
    const char **slot[4];
    size_t n;
};
int cli_take_slot(void *ctx, const char *word);

/* Reads a whole file, printing "cannot read 'PATH': reason" on failure
 * (returns 1). */
int cli_read_file_or_fail(const char *path, char **data, size_t *len);
/* Whether data starts with the ELF magic. */
int cli_data_is_elf(const void *data, size_t len);

/* Writes s as a JSON string literal. */
void cli_json_string(FILE *f, const char *s);

/* Commands: argv[0] is the command name. */
int cli_cmd_asm(int argc, char **argv);
int cli_cmd_disasm(int argc, char **argv);
int cli_cmd_run(int argc, char **argv);
int cli_cmd_conformance(int argc, char **argv);
int cli_cmd_jit_dump(int argc, char **argv);
int cli_cmd_verify(int argc, char **argv);

#endif
