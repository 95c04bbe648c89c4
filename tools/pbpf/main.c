/* pbpf: assemble, disassemble and run eBPF bytecode, and run the ISA
 * conformance suite.  Commands follow bpftool's `tool object verb` shape,
 * flattened to one word since there is one kind of object. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "objcli.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"asm", cli_cmd_asm, "assemble text into a raw bytecode file"},
    {"disasm", cli_cmd_disasm, "disassemble raw bytecode or a conformance file"},
    {"run", cli_cmd_run, "run a program and print r0"},
    {"conformance", cli_cmd_conformance, "run conformance test files (.data)"},
    {"prog", cli_cmd_prog, "programs of an ELF object: list, show, dump xlated"},
    {"map", cli_cmd_map, "maps of an ELF object: list, dump, lookup, update, delete, pin"},
    {"btf", cli_cmd_btf, "BTF of an ELF object or a BTF file: dump raw or as C"},
    {"batch", cli_cmd_batch, "run the commands of a file in one process (shared maps)"},
    {"jit-dump", cli_cmd_jit_dump, "native code of a program beside its instructions"},
    {"verify", cli_cmd_verify, "verify the programs of an object, explain rejections"},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: pbpf COMMAND [OPTIONS] [ARGS]\n"
               "       pbpf COMMAND --help\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nPrograms are read as raw bytecode (8 bytes per instruction, little-endian),\n"
               "assembly text (the conformance-file syntax or llvm-objdump's), or conformance\n"
               "test files (.data).  prog, map, btf and `run OBJ` work on ELF objects built\n"
               "by `clang -target bpf` (bpftool's commands on an object file instead of the\n"
               "kernel).  The bpf_conformance plugin is the separate program pbpf-plugin.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_error("missing command (see 'pbpf --help')");
    const char *cmd = argv[1];
    if (cli_is_help(cmd) || !strcmp(cmd, "help")) {
        if (argc > 2 && strcmp(cmd, "help") == 0) {
            /* `pbpf help run` = `pbpf run --help` */
            char *help_argv[] = {argv[2], "--help", NULL};
            for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
                if (!strcmp(commands[i].name, argv[2])) {
                    cli_cmd = commands[i].name;
                    return commands[i].fn(2, help_argv);
                }
            return cli_error("unknown command '%s' (see 'pbpf --help')", argv[2]);
        }
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("pbpf 0.1\n");
        return 0;
    }
    int rc = cli_dispatch(argc - 1, argv + 1);
    cli_obj_release_all();
    return rc;
}

int cli_dispatch(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!strcmp(commands[i].name, argv[0])) {
            cli_cmd = commands[i].name;
            return commands[i].fn(argc, argv);
        }
    }
    return cli_error("unknown command '%s' (see 'pbpf --help')", argv[0]);
}
