/* pbpf prog: the programs of an ELF object, bpftool-style.
 *   prog list|show OBJ [--prog NAME] [--json]
 *   prog show pinned PATH [--json]
 *   prog dump xlated OBJ [--prog NAME] [--json]
 *   prog dump jited OBJ [--prog NAME]   (pbpf jit-dump's output)
 *   prog pin OBJ [--prog NAME] PATH */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "elf/elf.h"
#include "exec/exec.h"
#include "isa/insn.h"
#include "objcli.h"

static void prog_usage(void)
{
    printf("Usage: pbpf prog { list | show } OBJ [--prog NAME] [--json]\n"
           "       pbpf prog show pinned PATH [--json]\n"
           "       pbpf prog dump xlated OBJ [--prog NAME] [--json]\n"
           "       pbpf prog dump jited OBJ [--prog NAME]\n"
           "       pbpf prog pin OBJ [--prog NAME] PATH\n\n"
           "OBJ is an ELF object built by `clang -target bpf` (e.g. x.bpf.o); it is opened\n"
           "and loaded (maps created, programs relocated) as a loader would.\n\n"
           "  list, show     every program (or the one named by --prog): name, section,\n"
           "                 program type, instruction count, maps used, license\n"
           "  dump xlated    the instructions as loaded: after CO-RE and map relocation,\n"
           "                 with the maps named at lddw, helpers named at calls and the\n"
           "                 source lines from .BTF.ext\n"
           "  dump jited     the JIT's native code under each instruction (the same as\n"
           "                 `pbpf jit-dump OBJ --prog NAME`)\n"
           "  pin            pins the loaded program at PATH (bpftool's prog pin): it stays\n"
           "                 reachable as `pinned PATH` until the process ends, so pin and\n"
           "                 use it in one `pbpf batch`\n"
           "  show pinned    the program pinned at PATH: type, instructions, engine\n"
           "  --json         one JSON document on stdout (list, show, dump xlated)\n");
}

/* The distinct maps a program's relocations refer to, in first-use order. */
static size_t prog_map_list(const struct pbpf_object_prog *p, size_t *idx, size_t cap)
{
    size_t n = 0;
    for (size_t r = 0; r < p->relo_cnt; r++) {
        const struct pbpf_object_relo *rl = &p->relos[r];
        if (rl->kind != PBPF_RELO_MAP && rl->kind != PBPF_RELO_MAP_VALUE)
            continue;
        size_t k = 0;
        while (k < n && idx[k] != rl->map_idx)
            k++;
        if (k == n && n < cap)
            idx[n++] = rl->map_idx;
    }
    return n;
}

static int prog_show(struct cli_obj *o, const char *only, int json)
{
    size_t cnt = pbpf_object_prog_cnt(o->obj);
    int sel = -1;
    if (only && (sel = cli_obj_find_prog(o, only)) < 0)
        return 1;
    const char *license = pbpf_object_license(o->obj);
    if (json)
        printf("[");
    int first = 1;
    for (size_t i = 0; i < cnt; i++) {
        if (sel >= 0 && (size_t)sel != i)
            continue;
        const struct pbpf_object_prog *p = pbpf_object_prog(o->obj, i);
        const char *type = pbpf_prog_type_name(p->prog_type);
        const struct pbpf_insn *xl;
        size_t xcnt = p->insn_cnt;
        int loaded = pbpf_object_prog_xlated(o->obj, i, &xl, &xcnt) == 0;
        size_t maps[64];
        size_t nmaps = prog_map_list(p, maps, 64);
        if (json) {
            printf("%s{\"id\":%zu,\"name\":", first ? "" : ",", i);
            cli_json_string(stdout, p->name);
            printf(",\"section\":");
            cli_json_string(stdout, p->section);
            printf(",\"type\":");
            cli_json_string(stdout, type ? type : "unknown");
            printf(",\"insns\":%zu,\"loaded\":%s,", xcnt, loaded ? "true" : "false");
            if (!loaded && o->load_err[0]) {
                printf("\"load_error\":");
                cli_json_string(stdout, o->load_err);
                printf(",");
            }
            printf("\"maps\":[");
            for (size_t k = 0; k < nmaps; k++) {
                printf("%s", k ? "," : "");
                cli_json_string(stdout, pbpf_object_map(o->obj, maps[k])->name);
            }
            printf("],\"license\":");
            cli_json_string(stdout, license);
            printf("}");
        } else {
            printf("%zu: %s  name %s  section %s  license %s\n", i, type ? type : "unknown",
                   p->name, p->section, license[0] ? license : "(none)");
            printf("\tinsns %zu", xcnt);
            if (nmaps) {
                printf("  maps ");
                for (size_t k = 0; k < nmaps; k++)
                    printf("%s%s", k ? "," : "", pbpf_object_map(o->obj, maps[k])->name);
            }
            printf("\n");
        }
        first = 0;
    }
    if (!json && !o->loaded)
        printf("object not loaded: %s\n", o->load_err);
    if (json)
        printf("]\n");
    return 0;
}

/* Name of the BTF FUNC starting at insn pc, or NULL. */
static const char *func_at(const struct pbpf_object *obj, const struct pbpf_object_prog *p,
                           size_t pc)
{
    for (size_t k = 0; k < p->func_info_cnt; k++)
        if (p->func_info[k].insn_idx == pc && obj->btf) {
            const struct pbpf_btf_type *t = pbpf_btf_type_by_id(obj->btf, p->func_info[k].type_id);
            return t ? pbpf_btf_name(obj->btf, t) : NULL;
        }
    return NULL;
}

/* One instruction as text: the disassembler's, with maps and helpers named. */
static int xlated_text(const struct pbpf_insn *in, size_t cnt, size_t pc, struct pbpf_map *const *maps,
                       size_t map_cnt, char *buf, size_t size)
{
    const struct pbpf_insn *x = &in[pc];
    if (x->code == PBPF_OPCODE_LDDW && pc + 1 < cnt &&
        (PBPF_INSN_SRC(x) == PBPF_PSEUDO_MAP_FD || PBPF_INSN_SRC(x) == PBPF_PSEUDO_MAP_VALUE)) {
        uint32_t mi = (uint32_t)x->imm;
        const char *name = mi < map_cnt ? pbpf_map_name(maps[mi]) : "?";
        if (PBPF_INSN_SRC(x) == PBPF_PSEUDO_MAP_FD)
            snprintf(buf, size, "r%u = map[%s] ll", PBPF_INSN_DST(x), name);
        else
            snprintf(buf, size, "r%u = map[%s][0]+%u ll", PBPF_INSN_DST(x), name,
                     (uint32_t)in[pc + 1].imm);
        return 2;
    }
    int slots = pbpf_disasm_insn(in, cnt, pc, PBPF_DISASM_LLVM, buf, size);
    if (slots > 0 && x->code == PBPF_OPCODE_CALL && PBPF_INSN_SRC(x) == 0) {
        const char *h = pbpf_helper_name((uint32_t)x->imm);
        if (h)
            snprintf(buf, size, "call bpf_%s#%d", h, x->imm);
    }
    return slots;
}

static int prog_dump_xlated(struct cli_obj *o, const char *only, int json)
{
    int idx = cli_obj_find_prog(o, only);
    if (idx < 0)
        return 1;
    const struct pbpf_object_prog *p = pbpf_object_prog(o->obj, (size_t)idx);
    const struct pbpf_insn *in;
    size_t cnt, map_cnt;
    struct pbpf_map *const *maps;
    if (pbpf_object_prog_xlated(o->obj, (size_t)idx, &in, &cnt) ||
        pbpf_object_prog_maps(o->obj, (size_t)idx, &maps, &map_cnt))
        return cli_error("%s: program '%s' is not loaded", o->path, p->name);
    size_t li = 0;
    const char *last_src = NULL;
    if (json)
        printf("[");
    for (size_t pc = 0; pc < cnt;) {
        char text[160];
        int slots = xlated_text(in, cnt, pc, maps, map_cnt, text, sizeof text);
        if (slots <= 0)
            slots = 1;
        const char *fn = func_at(o->obj, p, pc);
        const char *src = NULL;
        while (li < p->line_info_cnt && p->line_info[li].insn_idx < pc)
            li++;
        if (li < p->line_info_cnt && p->line_info[li].insn_idx == pc)
            src = p->line_info[li].line;
        /* a source line once, as bpftool: not again for its next pieces */
        if (src && last_src && !strcmp(src, last_src) && !fn)
            src = NULL;
        else if (src)
            last_src = src;
        if (json) {
            printf("%s{\"pc\":%zu,", pc ? "," : "", pc);
            if (fn) {
                printf("\"func\":");
                cli_json_string(stdout, fn);
                printf(",");
            }
            if (src) {
                printf("\"src\":");
                cli_json_string(stdout, src);
                printf(",");
            }
            printf("\"disasm\":");
            cli_json_string(stdout, text);
            printf(",\"opcodes\":");
            uint8_t b[16];
            for (int s = 0; s < slots; s++)
                cli_insn_to_bytes(&in[pc + (size_t)s], b + 8 * s);
            cli_json_hex(stdout, b, 8 * (size_t)slots);
            printf("}");
        } else {
            if (fn)
                printf("%s%s:\n", pc ? "\n" : "", fn);
            if (src && src[0])
                printf("; %s\n", src);
            printf("%4zu: %s\n", pc, text);
        }
        pc += (size_t)slots;
    }
    if (json)
        printf("]\n");
    return 0;
}

/* `prog show pinned PATH`: what pbpf_prog knows of a pinned program */
static int prog_show_pinned(const char *pin, int json)
{
    struct pbpf_prog *p;
    int rc = pbpf_prog_get_pinned(pin, &p);
    if (rc == -EINVAL)
        return cli_error("'%s' is pinned, but not as a program", pin);
    if (rc)
        return cli_error("no program pinned at '%s' in this process (pins last as long as the "
                         "process: pin and use them in one 'pbpf batch')",
                         pin);
    const char *type = pbpf_prog_type_name(p->prog_type);
    const char *engine = pbpf_prog_engine(p) == PBPF_ENGINE_JIT ? "jit" : "interpreter";
    const char *mode = pbpf_prog_mode(p) == PBPF_MODE_VERIFIED ? "verified" : "checked";
    if (json) {
        printf("{\"pinned\":");
        cli_json_string(stdout, pin);
        printf(",\"type\":");
        cli_json_string(stdout, type ? type : "unknown");
        printf(",\"insns\":%zu,\"engine\":\"%s\",\"mode\":\"%s\"}\n", pbpf_prog_insn_cnt(p),
               engine, mode);
    } else {
        printf("pinned %s: %s, %zu insns, %s (%s)\n", pin, type ? type : "unknown",
               pbpf_prog_insn_cnt(p), engine, mode);
    }
    pbpf_prog_free(p);
    return 0;
}

/* `prog pin OBJ [--prog NAME] PATH` */
static int prog_pin(const char *path, const char *name, const char *pin)
{
    struct cli_obj *o;
    if (cli_obj_get(path, &o))
        return 1;
    int idx = cli_obj_find_prog(o, name);
    if (idx < 0)
        return 1;
    struct pbpf_prog *p = pbpf_object_prog_handle(o->obj, (size_t)idx);
    if (!p)
        return cli_error("%s: program '%s' was not loaded", path,
                         pbpf_object_prog(o->obj, (size_t)idx)->name);
    int rc = pbpf_prog_pin(p, pin);
    if (rc)
        return cli_error("cannot pin at '%s': %s", pin,
                         rc == -EEXIST ? "something is pinned there" : strerror(-rc));
    return 0;
}

struct prog_args {
    const char *verb, *what, *path, *extra;
};

/* VERB [what, for dump] OBJ [PATH, for pin and `show pinned PATH`] */
static int prog_positional(void *ctx, const char *w)
{
    struct prog_args *a = ctx;
    if (!a->verb)
        a->verb = w;
    else if (!strcmp(a->verb, "dump") && !a->what)
        a->what = w;
    else if (!a->path)
        a->path = w;
    else if (!a->extra && (!strcmp(a->verb, "pin") || !strcmp(a->path, "pinned")))
        a->extra = w;
    else
        return 1;
    return 0;
}

int cli_cmd_prog(int argc, char **argv)
{
    const char *name = NULL;
    int json = 0;
    struct prog_args a = {0};
    const struct cli_optspec opts[] = {
        {"--prog", NULL, &name, NULL, NULL},
        {"--json", &json, NULL, NULL, NULL},
    };
    int pr = cli_parse_args(argc, argv, opts, 2, prog_positional, &a, prog_usage);
    if (pr)
        return pr == 2 ? 0 : 1;
    const char *verb = a.verb, *what = a.what, *path = a.path, *extra = a.extra;
    if (!verb)
        return cli_error("missing verb: list, show, dump or pin (see 'pbpf prog --help')");
    if (!strcmp(verb, "pin")) {
        if (!path)
            return cli_error("missing object file (see 'pbpf prog --help')");
        if (!extra)
            return cli_error("missing pin path");
        return prog_pin(path, name, extra);
    }
    int is_list = !strcmp(verb, "list") || !strcmp(verb, "show");
    if (!is_list && strcmp(verb, "dump"))
        return cli_error("unknown verb '%s' (expected list, show, dump or pin)", verb);
    if (is_list && path && !strcmp(path, "pinned")) {
        if (!extra)
            return cli_error("missing path after 'pinned'");
        if (name)
            return cli_bad_arg("--prog");
        int rc = prog_show_pinned(extra, json);
        if (!rc && fflush(stdout))
            return cli_error("cannot write the output");
        return rc;
    }
    if (!is_list) {
        if (!what)
            return cli_error("missing what to dump: xlated");
        if (!strcmp(what, "jited")) {
            if (json)
                return cli_error("dump jited has no --json form");
            if (!path)
                return cli_error("missing object file (see 'pbpf prog --help')");
            /* the JIT's own dumper: native code under each instruction */
            char *jargv[] = {"jit-dump", (char *)path, "--prog", (char *)name, NULL};
            return cli_cmd_jit_dump(name ? 4 : 2, jargv);
        }
        if (strcmp(what, "xlated"))
            return cli_error("unknown dump '%s' (expected xlated or jited)", what);
    }
    if (!path)
        return cli_error("missing object file (see 'pbpf prog --help')");
    struct cli_obj *o;
    if (is_list ? cli_obj_open(path, &o) : cli_obj_get(path, &o))
        return 1;
    if (is_list)
        cli_obj_try_load(o); /* a program that does not load is listed as such */
    int rc = is_list ? prog_show(o, name, json) : prog_dump_xlated(o, name, json);
    if (!rc && fflush(stdout))
        return cli_error("cannot write the output");
    return rc;
}
