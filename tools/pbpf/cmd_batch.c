/* pbpf batch FILE: the commands of FILE, one per line, run in one process
 * (bpftool's `batch file`), so that they share loaded objects and pins. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "objcli.h"

static void batch_usage(void)
{
    printf("Usage: pbpf batch FILE\n\n"
           "Runs the commands in FILE (`-` = standard input), one per line, without the\n"
           "leading `pbpf`: `map update x.bpf.o rules key 0a 00 00 01 value 01`.  Blank\n"
           "lines and lines starting with # are skipped; \"double quotes\" group words.\n"
           "All commands run in one process: the same OBJ path names the same loaded\n"
           "object throughout, and maps pinned with `map pin` stay reachable as\n"
           "`pinned PATH`.  Stops at the first command that fails (its message names the\n"
           "line).\n");
}

#define BATCH_MAX_ARGS 256

/* Splits a line in place into words; "..." groups (no escapes). */
static int split(char *line, char **argv, int *argc)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (!*p || *p == '#')
            break;
        if (n == BATCH_MAX_ARGS)
            return -E2BIG;
        char *w = p, *o = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r') {
            if (*p == '"') {
                p++;
                while (*p && *p != '"')
                    *o++ = *p++;
                if (*p != '"')
                    return -EINVAL;
                p++;
            } else {
                *o++ = *p++;
            }
        }
        int end = *p != '\0';
        *o = '\0';
        argv[n++] = w;
        if (!end)
            break;
        p++;
    }
    *argc = n;
    return 0;
}

int cli_cmd_batch(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            batch_usage();
            return 0;
        }
        if ((argv[i][0] == '-' && argv[i][1]) || path)
            return cli_bad_arg(argv[i]);
        path = argv[i];
    }
    if (!path)
        return cli_error("missing command file (see 'pbpf batch --help')");
    char *text;
    size_t len;
    int rc = strcmp(path, "-") ? cli_read_file(path, &text, &len) : cli_read_stream(stdin, &text, &len);
    if (rc)
        return cli_error("cannot read '%s': %s", path, strerror(-rc));
    if (memchr(text, 0, len)) {
        free(text);
        return cli_error("%s: not a text file", path);
    }
    int status = 0;
    unsigned line_no = 0;
    char label[96];
    for (char *line = text; line && *line && !status;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        line_no++;
        char *args[BATCH_MAX_ARGS];
        int n = 0;
        rc = split(line, args, &n);
        if (rc) {
            status = cli_error("%s:%u: %s", path, line_no,
                               rc == -E2BIG ? "too many words" : "unterminated quote");
            break;
        }
        if (n > 0) {
            if (!strcmp(args[0], "pbpf") && n > 1) {
                memmove(args, args + 1, (size_t)(n - 1) * sizeof *args);
                n--;
            }
            if (!strcmp(args[0], "batch")) {
                status = cli_error("%s:%u: batch files do not nest", path, line_no);
                break;
            }
            /* messages name the line: "pbpf: batch.txt:3: map: ..." */
            snprintf(label, sizeof label, "%s:%u", path, line_no);
            const char *tool = cli_tool;
            cli_tool = label;
            status = cli_dispatch(n, args);
            cli_tool = tool;
            cli_cmd = "batch";
            fflush(stdout);
        }
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    return status;
}
