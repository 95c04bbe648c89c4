/* pbpf verify: run the verifier on every program of an object (or on one
 * program in any form `pbpf run` reads) and tell, per program, whether it
 * is accepted, what it cost, and on rejection why: the verifier's reason,
 * the instruction, its source line (.BTF.ext line info) and the path the
 * verifier's log gives. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pbpf/verifier.h"
#include "vload.h"

static void verify_usage(void)
{
    printf("Usage: pbpf verify FILE [--prog NAME] [--type T] [--log-level 0|1|2] [--json]\n"
           "                        [--mem-size N]\n\n"
           "Verifies the programs of FILE, an ELF object built by clang -target bpf (maps,\n"
           "global data, subprograms and CO-RE are resolved by the object loader first),\n"
           "and prints for each whether the verifier accepts it, the instructions it\n"
           "processed, its peak number of states and the time it took.  A rejection is\n"
           "explained by the verifier's reason (in the Linux verifier's words), the\n"
           "instruction, its source line when the object has line info, and the path\n"
           "that led there.  FILE may also be raw bytecode, assembly or a conformance\n"
           "file: one program, verified as type 0 (r1 = N bytes of memory, r2 = N).\n\n"
           "  --prog NAME     only the program (function) NAME\n"
           "  --type T        verify as program type T (a Linux name such as xdp,\n"
           "                  sched_cls, socket_filter, kprobe, or a number) instead of\n"
           "                  the type the section name gives\n"
           "  --log-level L   0: the reason only; 1: also the path (default); 2: the\n"
           "                  verifier's whole log, every instruction with its state\n"
           "  --json          one JSON object per program, in an array\n"
           "  --mem-size N    memory size for a program of type 0 (default: the\n"
           "                  conformance file's `-- mem`, else 0)\n\n"
           "Exit status: 0 when every program is accepted, 1 when one is rejected or\n"
           "cannot be loaded (or on a usage error).\n");
}

static const char *errno_name(int err)
{
    switch (-err) {
    case EACCES: return "EACCES";
    case EINVAL: return "EINVAL";
    case E2BIG: return "E2BIG";
    case ENOMEM: return "ENOMEM";
    case ENOTSUP: return "ENOTSUP";
    case ENOENT: return "ENOENT";
    default: return "error";
    }
}

struct vresult {
    const char *name, *section;
    uint32_t prog_type;
    int rc;
    int loader; /* the loader refused the program before the verifier */
    struct pbpf_verifier_stats st;
    const char *log;
    const struct pbpf_insn *insns;
    size_t cnt;
    const struct pbpf_object_line_info *li;
    size_t li_cnt;
};

/* Splits the log into the reason (its last line that is not a statistics
 * line) and what came before it. */
static void log_split(const char *log, const char **reason, size_t *reason_len, size_t *before)
{
    *reason = log;
    *reason_len = 0;
    *before = 0;
    const char *p = log;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && strncmp(p, "processed ", 10) && strncmp(p, "verification time", 17) &&
            strncmp(p, "stack depth", 11)) {
            *reason = p;
            *reason_len = n;
            *before = (size_t)(p - log);
        }
        p += n + (e ? 1 : 0);
    }
}

static void print_text(const struct vresult *r, int log_level)
{
    const char *tn = pbpf_prog_type_name(r->prog_type);
    if (r->section[0])
        printf("%s (section %s, type %s): ", r->name, r->section, tn ? tn : "?");
    else
        printf("%s (type %s): ", r->name, tn ? tn : "?");
    if (!r->rc) {
        printf("accepted: %" PRIu64 " insns processed, %u states peak (%u total), stack %u "
               "bytes, %.1f us\n",
               r->st.processed_insns, r->st.peak_states, r->st.total_states,
               r->st.max_stack_depth, (double)r->st.time_ns / 1000.0);
        if (log_level >= 2 && r->log[0])
            printf("%s", r->log);
        return;
    }
    if (r->loader) {
        printf("rejected by the loader (%s): %s\n", errno_name(r->rc), r->log);
        return;
    }
    printf("rejected (%s) after %" PRIu64 " insns processed, %u states peak, %.1f us\n",
           errno_name(r->rc), r->st.processed_insns, r->st.peak_states,
           (double)r->st.time_ns / 1000.0);
    const char *reason;
    size_t rlen, before;
    log_split(r->log, &reason, &rlen, &before);
    printf("  reason: %.*s\n", (int)rlen, rlen ? reason : "(the verifier gave none)");
    /* the instruction the verifier reports for the rejection */
    int64_t pc = r->st.err_insn;
    if (pc >= 0 && (size_t)pc < r->cnt) {
        char txt[128];
        if (pbpf_disasm_insn(r->insns, r->cnt, (size_t)pc, PBPF_DISASM_LLVM, txt, sizeof txt) < 0)
            snprintf(txt, sizeof txt, "(cannot disassemble)");
        printf("  insn %" PRId64 ": %s\n", pc, txt);
        const struct pbpf_object_line_info *li = vload_line_at(r->li, r->li_cnt, (size_t)pc);
        if (li)
            printf("  source: %s:%u: %s\n", li->file ? li->file : "?", li->line_no,
                   li->line ? li->line : "");
    }
    if (log_level >= 1 && before) {
        printf("  path (the verifier's log before the reason):\n");
        const char *p = r->log;
        while (p < r->log + before) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            printf("    %.*s\n", (int)n, p);
            p += n + (e ? 1 : 0);
        }
    }
}

static void print_json(const struct vresult *r, int first)
{
    const char *tn = pbpf_prog_type_name(r->prog_type);
    printf("%s{\"program\": ", first ? "[" : ",\n ");
    cli_json_string(stdout, r->name);
    printf(", \"section\": ");
    cli_json_string(stdout, r->section);
    printf(", \"prog_type\": ");
    cli_json_string(stdout, tn ? tn : "");
    printf(", \"verdict\": \"%s\", \"error\": %d, \"loader\": %s",
           r->rc ? "reject" : "accept", r->rc, r->loader ? "true" : "false");
    printf(", \"processed_insns\": %" PRIu64 ", \"peak_states\": %u, \"total_states\": %u"
           ", \"max_stack_depth\": %u, \"time_ns\": %" PRIu64 ", \"peak_mem\": %zu",
           r->st.processed_insns, r->st.peak_states, r->st.total_states, r->st.max_stack_depth,
           r->st.time_ns, r->st.peak_mem);
    if (r->rc) {
        const char *reason;
        size_t rlen, before;
        log_split(r->log, &reason, &rlen, &before);
        char *rs = malloc(rlen + 1);
        if (rs) {
            memcpy(rs, reason, rlen);
            rs[rlen] = 0;
            printf(", \"reason\": ");
            cli_json_string(stdout, rs);
            free(rs);
        }
        int64_t pc = r->loader ? -1 : r->st.err_insn;
        if (pc >= 0 && (size_t)pc < r->cnt) {
            char txt[128];
            if (pbpf_disasm_insn(r->insns, r->cnt, (size_t)pc, PBPF_DISASM_LLVM, txt,
                                 sizeof txt) < 0)
                txt[0] = 0;
            printf(", \"insn\": %" PRId64 ", \"insn_text\": ", pc);
            cli_json_string(stdout, txt);
            const struct pbpf_object_line_info *li = vload_line_at(r->li, r->li_cnt, (size_t)pc);
            if (li) {
                printf(", \"source\": {\"file\": ");
                cli_json_string(stdout, li->file ? li->file : "");
                printf(", \"line\": %u, \"text\": ", li->line_no);
                cli_json_string(stdout, li->line ? li->line : "");
                printf("}");
            }
        }
    }
    printf(", \"log\": ");
    cli_json_string(stdout, r->log);
    printf("}");
}

#define VERIFY_LOG_SIZE (16u << 20)

struct verify_args {
    uint32_t type;
    int type_given, log_level, mem_given;
    uint64_t mem_size;
};

static int check_type(const char *v, void *arg)
{
    struct verify_args *a = arg;
    if (vload_prog_type_by_name(v, &a->type))
        return cli_error("unknown program type '%s'", v);
    a->type_given = 1;
    return 0;
}

static int check_log_level(const char *v, void *arg)
{
    struct verify_args *a = arg;
    if (strlen(v) != 1 || v[0] < '0' || v[0] > '2')
        return cli_error("--log-level takes 0, 1 or 2, not '%s'", v);
    a->log_level = v[0] - '0';
    return 0;
}

static int check_mem_size(const char *v, void *arg)
{
    struct verify_args *a = arg;
    if (cli_parse_u64(v, &a->mem_size) || a->mem_size > UINT32_MAX)
        return cli_error("--mem-size needs a byte count, not '%s'", v);
    a->mem_given = 1;
    return 0;
}

int cli_cmd_verify(int argc, char **argv)
{
    const char *path = NULL, *prog_name = NULL, *v;
    int json = 0;
    struct verify_args a = {.log_level = 1};
    const struct cli_optspec opts[] = {
        {"--prog", NULL, &prog_name, NULL, NULL},
        {"--type", NULL, &v, check_type, &a},
        {"--log-level", NULL, &v, check_log_level, &a},
        {"--mem-size", NULL, &v, check_mem_size, &a},
        {"--json", &json, NULL, NULL, NULL},
    };
    struct cli_slots pos = {{&path}, 1};
    int pr = cli_parse_args(argc, argv, opts, 5, cli_take_slot, &pos, verify_usage);
    if (pr)
        return pr == 2 ? 0 : 1;
    uint32_t type = a.type;
    int type_given = a.type_given, log_level = a.log_level, mem_given = a.mem_given;
    uint64_t mem_size = a.mem_size;
    if (!path)
        return cli_error("missing object file (see 'pbpf verify --help')");

    char *data;
    size_t len;
    if (cli_read_file_or_fail(path, &data, &len))
        return 1;
    int rc;
    char *log = malloc(VERIFY_LOG_SIZE);
    struct pbpf_runtime *rt = NULL;
    if (!log || pbpf_runtime_new(NULL, &rt)) {
        free(data);
        free(log);
        return cli_error("out of memory");
    }
    int status = 0, shown = 0;
    char msg[512];
    if (!cli_data_is_elf(data, len)) {
        /* one program in a form `pbpf run` reads: type 0 unless --type */
        free(data);
        data = NULL;
        struct cli_input in;
        if (prog_name) {
            status = cli_error("--prog needs an ELF object; %s is one program", path);
            goto out;
        }
        if (cli_input_load(path, &in)) {
            status = 1;
            goto out;
        }
        PBPF_OPTS(pbpf_verifier_opts, o, .prog_type = type, .log_level = log_level,
                  .log_buf = log, .log_size = VERIFY_LOG_SIZE, .gpl = 1,
                  .mem_size = (uint32_t)(mem_given ? mem_size : in.mem_len));
        struct vresult r = {.name = path, .section = "", .prog_type = type, .log = log,
                            .insns = in.insns, .cnt = in.cnt};
        r.rc = pbpf_verify(in.insns, in.cnt, &o, &r.st);
        if (json)
            print_json(&r, 1);
        else
            print_text(&r, log_level);
        status = r.rc != 0;
        shown = 1;
        cli_input_free(&in);
        goto out;
    }
    struct pbpf_object *obj;
    rc = vload_object(data, len, &obj, msg, sizeof msg);
    if (rc) {
        status = cli_error("%s: %s", path, msg[0] ? msg : strerror(-rc));
        goto out;
    }
    size_t nprog = pbpf_object_prog_cnt(obj), total = nprog;
    char **names = calloc(nprog ? nprog : 1, sizeof *names);
    for (size_t p = 0; names && p < nprog; p++)
        names[p] = strdup(pbpf_object_prog(obj, p)->name);
    pbpf_object_close(obj);
    if (prog_name) {
        size_t p = 0;
        while (names && p < nprog && strcmp(names[p], prog_name))
            p++;
        if (p == nprog) {
            status = cli_error("%s: no program '%s'", path, prog_name);
            nprog = 0;
        }
    } else if (!nprog) {
        status = cli_error("%s: no programs", path);
    }
    for (size_t p = 0; names && p < nprog; p++) {
        if (prog_name && strcmp(names[p], prog_name))
            continue;
        /* a fresh object per program: the loader loads an object once */
        struct vload vl = {0};
        rc = vload_object(data, len, &obj, msg, sizeof msg);
        if (!rc)
            rc = vload_prog(rt, obj, p, type_given ? type : 0, &vl, msg, sizeof msg);
        struct vresult r = {.name = names[p], .section = vl.prog ? vl.prog->section : "",
                            .prog_type = vl.prog_type, .log = log};
        if (rc) {
            r.rc = rc;
            r.loader = 1;
            r.st.err_insn = -1;
            snprintf(log, VERIFY_LOG_SIZE, "%s", msg);
        } else {
            PBPF_OPTS(pbpf_verifier_opts, o, .log_level = log_level, .log_buf = log,
                      .log_size = VERIFY_LOG_SIZE);
            vload_verifier_opts(&vl, &o);
            if (!vl.prog_type && !type_given)
                o.mem_size = (uint32_t)mem_size;
            r.insns = vl.insns;
            r.cnt = vl.cnt;
            r.li = o.line_info;
            r.li_cnt = o.line_info_cnt;
            r.rc = pbpf_verify(vl.insns, vl.cnt, &o, &r.st);
        }
        if (json)
            print_json(&r, !shown);
        else
            print_text(&r, log_level);
        shown = 1;
        if (r.rc)
            status = 1;
        vload_close(&vl);
    }
    for (size_t p = 0; names && p < total; p++)
        free(names[p]);
    free(names);
out:
    if (json && shown)
        printf("]\n");
    pbpf_runtime_free(rt);
    free(log);
    free(data);
    return status;
}
