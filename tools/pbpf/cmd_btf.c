/* pbpf btf dump [file] OBJ [format raw|c] [--json]: the .BTF of an ELF object
 * (or a raw BTF file such as /sys/kernel/btf/vmlinux), as bpftool prints it:
 * raw, one type per line with its members; or c, the types as C
 * declarations a program could include. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "btf/btf.h"
#include "btf/btf_dump_c.h"
#include "cli.h"
#include "elf/elf.h"
#include "objcli.h"

static void btf_usage(void)
{
    printf("Usage: pbpf btf dump [file] FILE [format raw|c] [--json]\n\n"
           "Prints the BTF of FILE: an ELF object's .BTF section, or a raw BTF file\n"
           "(/sys/kernel/btf/vmlinux).  The words are bpftool's ('btf dump file X\n"
           "format c'); --format c says the same.\n\n"
           "  format raw   every type as [id] KIND 'name' and its fields (default)\n"
           "  format c     every type as C definitions that compile (vmlinux.h)\n"
           "  --json         raw format as one JSON document\n");
}

static const char *nm(const struct pbpf_btf *b, const struct pbpf_btf_type *t)
{
    const char *s = pbpf_btf_name(b, t);
    return s && s[0] ? s : "(anon)";
}

static const char *int_encoding(unsigned e)
{
    switch (e) {
    case 1: return "SIGNED";
    case 2: return "CHAR";
    case 4: return "BOOL";
    default: return "(none)";
    }
}

static const char *linkage(uint32_t l)
{
    return l == 0 ? "static" : l == 1 ? "global" : l == 2 ? "extern" : "unknown";
}

/* --- raw ----------------------------------------------------------------- */

static void raw_one(const struct pbpf_btf *b, uint32_t id, int json, int first)
{
    const struct pbpf_btf_type *t = pbpf_btf_type_by_id(b, id);
    unsigned k = pbpf_btf_kind(t), vlen = pbpf_btf_vlen(t);
    if (json) {
        printf("%s{\"id\":%u,\"kind\":\"%s\",\"name\":", first ? "" : ",", id,
               pbpf_btf_kind_name(k));
        cli_json_string(stdout, nm(b, t));
    } else {
        printf("[%u] %s '%s'", id, pbpf_btf_kind_name(k), nm(b, t));
    }
#define F(fmt, jname, ...)                                                                         \
    do {                                                                                           \
        if (json)                                                                                  \
            printf(",\"" jname "\":" fmt, __VA_ARGS__);                                           \
        else                                                                                       \
            printf(" " jname "=" fmt, __VA_ARGS__);                                               \
    } while (0)
    switch (k) {
    case PBPF_BTF_KIND_INT:
        F("%u", "size", t->size_type);
        F("%u", "bits_offset", PBPF_BTF_INT_OFFSET(t));
        F("%u", "nr_bits", PBPF_BTF_INT_BITS(t));
        if (json)
            printf(",\"encoding\":\"%s\"", int_encoding(PBPF_BTF_INT_ENCODING(t)));
        else
            printf(" encoding=%s", int_encoding(PBPF_BTF_INT_ENCODING(t)));
        break;
    case PBPF_BTF_KIND_PTR:
    case PBPF_BTF_KIND_TYPEDEF:
    case PBPF_BTF_KIND_VOLATILE:
    case PBPF_BTF_KIND_CONST:
    case PBPF_BTF_KIND_RESTRICT:
    case PBPF_BTF_KIND_TYPE_TAG:
        F("%u", "type_id", t->size_type);
        break;
    case PBPF_BTF_KIND_ARRAY: {
        const struct pbpf_btf_array *a = PBPF_BTF_ARRAY(t);
        F("%u", "type_id", a->type);
        F("%u", "index_type_id", a->index_type);
        F("%u", "nr_elems", a->nelems);
        break;
    }
    case PBPF_BTF_KIND_STRUCT:
    case PBPF_BTF_KIND_UNION: {
        F("%u", "size", t->size_type);
        F("%u", "vlen", vlen);
        const struct pbpf_btf_member *m = PBPF_BTF_MEMBERS(t);
        if (json)
            printf(",\"members\":[");
        for (unsigned i = 0; i < vlen; i++) {
            const char *mn = pbpf_btf_str(b, m[i].name_off);
            uint32_t bits = pbpf_btf_member_bit_offset(t, &m[i]);
            uint32_t bf = pbpf_btf_member_bitfield_size(t, &m[i]);
            if (json) {
                printf("%s{\"name\":", i ? "," : "");
                cli_json_string(stdout, mn && mn[0] ? mn : "(anon)");
                printf(",\"type_id\":%u,\"bits_offset\":%u", m[i].type, bits);
                if (bf)
                    printf(",\"bitfield_size\":%u", bf);
                printf("}");
            } else {
                printf("\n\t'%s' type_id=%u bits_offset=%u", mn && mn[0] ? mn : "(anon)",
                       m[i].type, bits);
                if (bf)
                    printf(" bitfield_size=%u", bf);
            }
        }
        if (json)
            printf("]");
        break;
    }
    case PBPF_BTF_KIND_ENUM:
    case PBPF_BTF_KIND_ENUM64: {
        int sign = pbpf_btf_kflag(t);
        if (json)
            printf(",\"encoding\":\"%s\"", sign ? "SIGNED" : "UNSIGNED");
        else
            printf(" encoding=%s", sign ? "SIGNED" : "UNSIGNED");
        F("%u", "size", t->size_type);
        F("%u", "vlen", vlen);
        if (json)
            printf(",\"values\":[");
        for (unsigned i = 0; i < vlen; i++) {
            const char *en;
            char val[32];
            if (k == PBPF_BTF_KIND_ENUM) {
                const struct pbpf_btf_enum *e = (const struct pbpf_btf_enum *)pbpf_btf_extra(t) + i;
                en = pbpf_btf_str(b, e->name_off);
                if (sign)
                    snprintf(val, sizeof val, "%d", e->val);
                else
                    snprintf(val, sizeof val, "%u", (uint32_t)e->val);
            } else {
                const struct pbpf_btf_enum64 *e =
                    (const struct pbpf_btf_enum64 *)pbpf_btf_extra(t) + i;
                uint64_t v = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
                en = pbpf_btf_str(b, e->name_off);
                if (sign)
                    snprintf(val, sizeof val, "%" PRId64, (int64_t)v);
                else
                    snprintf(val, sizeof val, "%" PRIu64, v);
            }
            if (json) {
                printf("%s{\"name\":", i ? "," : "");
                cli_json_string(stdout, en ? en : "");
                printf(",\"val\":%s}", val);
            } else {
                printf("\n\t'%s' val=%s", en ? en : "", val);
            }
        }
        if (json)
            printf("]");
        break;
    }
    case PBPF_BTF_KIND_FWD:
        if (json)
            printf(",\"fwd_kind\":\"%s\"", pbpf_btf_kflag(t) ? "union" : "struct");
        else
            printf(" fwd_kind=%s", pbpf_btf_kflag(t) ? "union" : "struct");
        break;
    case PBPF_BTF_KIND_FUNC:
        F("%u", "type_id", t->size_type);
        if (json)
            printf(",\"linkage\":\"%s\"", linkage(vlen));
        else
            printf(" linkage=%s", linkage(vlen));
        break;
    case PBPF_BTF_KIND_FUNC_PROTO: {
        const struct pbpf_btf_param *p = PBPF_BTF_PARAMS(t);
        F("%u", "ret_type_id", t->size_type);
        F("%u", "vlen", vlen);
        if (json)
            printf(",\"params\":[");
        for (unsigned i = 0; i < vlen; i++) {
            const char *pn = pbpf_btf_str(b, p[i].name_off);
            if (json) {
                printf("%s{\"name\":", i ? "," : "");
                cli_json_string(stdout, pn && pn[0] ? pn : "(anon)");
                printf(",\"type_id\":%u}", p[i].type);
            } else {
                printf("\n\t'%s' type_id=%u", pn && pn[0] ? pn : "(anon)", p[i].type);
            }
        }
        if (json)
            printf("]");
        break;
    }
    case PBPF_BTF_KIND_VAR:
        F("%u", "type_id", t->size_type);
        if (json)
            printf(",\"linkage\":\"%s\"", linkage(PBPF_BTF_VAR_LINKAGE(t)));
        else
            printf(", linkage=%s", linkage(PBPF_BTF_VAR_LINKAGE(t)));
        break;
    case PBPF_BTF_KIND_DATASEC: {
        const struct pbpf_btf_var_secinfo *s = PBPF_BTF_SECINFOS(t);
        F("%u", "size", t->size_type);
        F("%u", "vlen", vlen);
        if (json)
            printf(",\"vars\":[");
        for (unsigned i = 0; i < vlen; i++) {
            const struct pbpf_btf_type *v = pbpf_btf_type_by_id(b, s[i].type);
            if (json) {
                printf("%s{\"type_id\":%u,\"offset\":%u,\"size\":%u}", i ? "," : "", s[i].type,
                       s[i].offset, s[i].size);
            } else {
                printf("\n\ttype_id=%u offset=%u size=%u", s[i].type, s[i].offset, s[i].size);
                if (v)
                    printf(" (%s '%s')", pbpf_btf_kind_name(pbpf_btf_kind(v)), nm(b, v));
            }
        }
        if (json)
            printf("]");
        break;
    }
    case PBPF_BTF_KIND_FLOAT:
        F("%u", "size", t->size_type);
        break;
    case PBPF_BTF_KIND_DECL_TAG:
        F("%u", "type_id", t->size_type);
        F("%d", "component_idx", PBPF_BTF_DECL_TAG_IDX(t));
        break;
    default:
        break;
    }
#undef F
    printf(json ? "}" : "\n");
}

/* --- C ------------------------------------------------------------------- */

static void c_out(void *ctx, const char *fmt, va_list ap)
{
    vfprintf(ctx, fmt, ap);
}

/* The whole BTF as a header, the way bpftool writes vmlinux.h: a guard,
 * and clang's preserve_access_index on every struct and union for CO-RE
 * when compiled for BPF. */
static int dump_c(const struct pbpf_btf *b)
{
    struct pbpf_btf_cdump *d = pbpf_btf_cdump_new(b, c_out, stdout);
    if (!d)
        return cli_error("out of memory");
    printf("#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n"
           "#if defined(__bpf__) && !defined(BPF_NO_PRESERVE_ACCESS_INDEX)\n"
           "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n"
           "#endif\n\n");
    int rc = pbpf_btf_cdump_all(d);
    pbpf_btf_cdump_free(d);
    if (rc)
        return cli_error("cannot write the BTF as C: %s", strerror(-rc));
    printf("#if defined(__bpf__) && !defined(BPF_NO_PRESERVE_ACCESS_INDEX)\n"
           "#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n");
    return 0;
}

int cli_cmd_btf(int argc, char **argv)
{
    const char *verb = NULL, *path = NULL, *format = "raw", *w3 = NULL, *w4 = NULL;
    int json = 0;
    const struct cli_optspec opts[] = {
        {"--format", NULL, &format, NULL, NULL},
        {"--json", &json, NULL, NULL, NULL},
    };
    struct cli_slots pos = {{&verb, &path, &w3, &w4}, 4};
    /* bpftool's words: "dump file PATH format FMT"; "file" is dropped */
    if (argc > 3 && !strcmp(argv[1], "dump") && !strcmp(argv[2], "file")) {
        memmove(&argv[2], &argv[3], (size_t)(argc - 3) * sizeof *argv);
        argc--;
    }
    int pr = cli_parse_args(argc, argv, opts, 2, cli_take_slot, &pos, btf_usage);
    if (pr)
        return pr == 2 ? 0 : 1;
    if (!verb)
        return cli_error("missing verb: dump (see 'pbpf btf --help')");
    if (strcmp(verb, "dump"))
        return cli_error("unknown verb '%s' (expected dump)", verb);
    if (!path)
        return cli_error("missing file (see 'pbpf btf --help')");
    if (w3) {
        if (strcmp(w3, "format") || !w4)
            return cli_error("unexpected '%s' (expected: format raw|c)", w3);
        format = w4;
    } else if (w4) {
        return cli_error("unexpected '%s'", w4);
    }
    int c = !strcmp(format, "c");
    if (!c && strcmp(format, "raw"))
        return cli_error("unknown format '%s' (expected raw or c)", format);
    if (c && json)
        return cli_error("--json goes with --format raw only");

    struct pbpf_btf *own = NULL;
    const struct pbpf_btf *b;
    char *data;
    size_t len;
    if (cli_read_file_or_fail(path, &data, &len))
        return 1;
    if (cli_data_is_elf(data, len)) {
        /* the object's .BTF as parsed by the object reader; the object is
         * not loaded (BTF is there to read, whatever its programs need) */
        char log[256] = "";
        struct pbpf_object *obj;
        PBPF_OPTS(pbpf_object_opts, oo, .log_buf = log, .log_size = sizeof log);
        int rc = pbpf_object_open_mem(data, len, &oo, &obj);
        free(data);
        if (rc)
            return cli_error("%s: not a BPF object: %s", path, log[0] ? log : strerror(-rc));
        if (!obj->btf) {
            pbpf_object_close(obj);
            return cli_error("%s: the object has no .BTF section (build it with clang -g)", path);
        }
        /* keep the BTF: take it from the object */
        own = obj->btf;
        obj->btf = NULL;
        pbpf_btf_ext_free(obj->btf_ext);
        obj->btf_ext = NULL;
        pbpf_object_close(obj);
    } else {
        char err[256] = "";
        int rc = pbpf_btf_parse(data, len, &own, err, sizeof err);
        free(data);
        if (rc)
            return cli_error("%s: %s", path, err[0] ? err : strerror(-rc));
    }
    b = own;
    int status = 0;
    if (c) {
        status = dump_c(b);
    } else {
        if (json)
            printf("[");
        for (uint32_t id = 1; id < pbpf_btf_type_cnt(b); id++)
            raw_one(b, id, json, id == 1);
        if (json)
            printf("]\n");
    }
    pbpf_btf_free(own);
    if (!status && fflush(stdout))
        return cli_error("cannot write the output");
    return status;
}
