/* pbpf map: the maps of an ELF object (or pinned in this process), bpftool-style.
 *   map list OBJ [--json]
 *   map dump MAP [--json]
 *   map lookup MAP key BYTES [--json]
 *   map update MAP key BYTES value BYTES [any|noexist|exist]
 *   map delete MAP key BYTES
 *   map pin MAP PATH
 * MAP is `OBJ NAME` or `pinned PATH`. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cfile.h"
#include "cli.h"
#include "objcli.h"

static void map_usage(void)
{
    printf("Usage: pbpf map list OBJ [--json]\n"
           "       pbpf map dump MAP [--json]\n"
           "       pbpf map lookup MAP key BYTES [--json]\n"
           "       pbpf map update MAP key BYTES value BYTES [any | noexist | exist]\n"
           "       pbpf map delete MAP key BYTES\n"
           "       pbpf map pin MAP PATH\n\n"
           "MAP is `OBJ NAME` (a map of the ELF object OBJ, which is opened and loaded:\n"
           "its maps hold their initial contents, global data included) or `pinned PATH`.\n"
           "BYTES are hex bytes, one or more arguments (\"0a 01 00 42\", 0a010042), with an\n"
           "optional leading `hex` as bpftool writes them.  For per-CPU maps a value of\n"
           "value_size bytes is given to every CPU, or give one value per CPU.\n\n"
           "Maps live in the process that loaded them.  A single `pbpf map update` changes a\n"
           "map that disappears when the command ends; to update, run and inspect the same\n"
           "maps, put the commands in one `pbpf batch FILE`: there the same OBJ path is the\n"
           "same loaded object, and `map pin` makes a map reachable as `pinned PATH`\n"
           "until the batch ends (there is no bpffs shared between processes).\n\n"
           "  --json         one JSON document on stdout (bpftool's layout: bytes as \"0x..\")\n");
}

static int is_percpu(uint32_t type)
{
    return type == PBPF_MAP_TYPE_PERCPU_HASH || type == PBPF_MAP_TYPE_PERCPU_ARRAY ||
           type == PBPF_MAP_TYPE_LRU_PERCPU_HASH || type == PBPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

static const char *kind_name(uint32_t kind)
{
    switch (kind) {
    case PBPF_OBJMAP_LEGACY: return "legacy";
    case PBPF_OBJMAP_BTF: return "btf";
    case PBPF_OBJMAP_DATA: return "data";
    case PBPF_OBJMAP_KCONFIG: return "kconfig";
    default: return "unknown";
    }
}

static int map_list(int argc, char **argv, int json)
{
    if (argc != 1)
        return argc ? cli_bad_arg(argv[1]) : cli_error("missing object file");
    struct cli_obj *o;
    if (cli_obj_open(argv[0], &o))
        return 1;
    /* an object that does not load still has its map definitions to list */
    cli_obj_try_load(o);
    size_t n = pbpf_object_map_cnt(o->obj);
    if (!o->loaded && !json)
        printf("(not loaded: %s; definitions as in the object)\n", o->load_err);
    if (json)
        printf("[");
    for (size_t i = 0; i < n; i++) {
        const struct pbpf_object_map *d = pbpf_object_map(o->obj, i);
        struct pbpf_map *m = pbpf_object_map_handle(o->obj, i);
        uint32_t type = m ? pbpf_map_type(m) : d->type;
        const char *tn = cli_map_type_name(type);
        uint32_t ks = m ? pbpf_map_key_size(m) : d->key_size;
        uint32_t vs = m ? pbpf_map_value_size(m) : d->value_size;
        uint32_t me = m ? pbpf_map_max_entries(m) : d->max_entries;
        uint32_t fl = m ? pbpf_map_flags(m) : d->map_flags;
        if (json) {
            printf("%s{\"id\":%zu,\"name\":", i ? "," : "", i);
            cli_json_string(stdout, d->name);
            printf(",\"type\":");
            cli_json_string(stdout, tn ? tn : "unknown");
            printf(",\"kind\":\"%s\",\"key\":%u,\"value\":%u,\"max_entries\":%u,\"flags\":%u",
                   kind_name(d->kind), ks, vs, me, fl);
            if (d->section) {
                printf(",\"section\":");
                cli_json_string(stdout, d->section);
            }
            printf(",\"pinning\":%u}", d->pinning);
        } else {
            printf("%zu: %s  name %s  flags 0x%x\n", i, tn ? tn : "unknown", d->name, fl);
            printf("\tkey %uB  value %uB  max_entries %u  (%s", ks, vs, me, kind_name(d->kind));
            if (d->kind == PBPF_OBJMAP_DATA && d->section)
                printf(", section %s", d->section);
            printf(")\n");
        }
    }
    if (json)
        printf("]\n");
    return 0;
}

/* Collects the hex bytes after a keyword up to the next keyword. */
static int take_bytes(int argc, char **argv, int *i, const char *what, uint8_t **out, size_t *len)
{
    char *joined = NULL;
    size_t jl = 0;
    if (*i < argc && !strcmp(argv[*i], "hex"))
        (*i)++;
    while (*i < argc && strcmp(argv[*i], "value") && strcmp(argv[*i], "any") &&
           strcmp(argv[*i], "noexist") && strcmp(argv[*i], "exist") && argv[*i][0] != '-') {
        size_t al = strlen(argv[*i]);
        char *nj = realloc(joined, jl + al + 2);
        if (!nj) {
            free(joined);
            return cli_error("out of memory");
        }
        joined = nj;
        memcpy(joined + jl, argv[*i], al);
        joined[jl + al] = ' ';
        jl += al + 1;
        joined[jl] = '\0';
        (*i)++;
    }
    if (!joined)
        return cli_error("missing %s bytes", what);
    char err[160] = "";
    int rc = pbpf_hex_parse(joined, out, len, err, sizeof err);
    free(joined);
    if (rc)
        return cli_error("%s: %s", what, err[0] ? err : strerror(-rc));
    if (*len == 0) {
        free(*out);
        return cli_error("missing %s bytes", what);
    }
    return 0;
}

static void print_value(struct pbpf_map *m, const uint8_t *val, int json)
{
    uint32_t vs = pbpf_map_value_size(m);
    if (!is_percpu(pbpf_map_type(m))) {
        if (json) {
            printf("\"value\":");
            cli_json_hex(stdout, val, vs);
        } else {
            printf("value: ");
            cli_print_hex(stdout, val, vs);
            printf("\n");
        }
        return;
    }
    size_t stride = (vs + 7) / 8 * 8, cpus = pbpf_map_user_value_size(m) / stride;
    if (json)
        printf("\"values\":[");
    for (size_t c = 0; c < cpus; c++) {
        if (json) {
            printf("%s{\"cpu\":%zu,\"value\":", c ? "," : "", c);
            cli_json_hex(stdout, val + c * stride, vs);
            printf("}");
        } else {
            printf("value (CPU %02zu): ", c);
            cli_print_hex(stdout, val + c * stride, vs);
            printf("\n");
        }
    }
    if (json)
        printf("]");
}

static int map_dump(struct pbpf_map *m, int json)
{
    uint32_t ks = pbpf_map_key_size(m);
    if (ks == 0)
        return cli_error("map '%s' (%s) has no keys to dump", pbpf_map_name(m),
                         cli_map_type_name(pbpf_map_type(m)));
    uint8_t *key = malloc(ks), *next = malloc(ks), *val = malloc(pbpf_map_user_value_size(m) + 8);
    int status = 0, first = 1;
    size_t count = 0;
    if (!key || !next || !val) {
        status = cli_error("out of memory");
        goto out;
    }
    if (json)
        printf("[");
    int rc = pbpf_map_get_next_key(m, NULL, next);
    while (rc == 0) {
        memcpy(key, next, ks);
        int lr = pbpf_map_lookup_elem(m, key, val);
        if (lr == 0) {
            if (json) {
                printf("%s{\"key\":", first ? "" : ",");
                cli_json_hex(stdout, key, ks);
                printf(",");
                print_value(m, val, 1);
                printf("}");
            } else {
                printf("key: ");
                cli_print_hex(stdout, key, ks);
                printf("%s", is_percpu(pbpf_map_type(m)) ? "\n" : "  ");
                print_value(m, val, 0);
            }
            first = 0;
            count++;
        } else if (lr != -ENOENT) {
            if (json)
                printf("]\n");
            status = cli_error("map '%s': lookup: %s", pbpf_map_name(m), strerror(-lr));
            goto out;
        }
        rc = pbpf_map_get_next_key(m, key, next);
    }
    if (json)
        printf("]\n");
    else
        printf("Found %zu element%s\n", count, count == 1 ? "" : "s");
    if (rc != -ENOENT)
        status = cli_error("map '%s': cannot list its keys: %s", pbpf_map_name(m), strerror(-rc));
out:
    free(key);
    free(next);
    free(val);
    return status;
}

static int map_elem(const char *verb, struct pbpf_map *m, int argc, char **argv, int i, int json)
{
    uint8_t *key = NULL, *value = NULL, *full = NULL;
    size_t klen = 0, vlen = 0;
    uint64_t flags = PBPF_ANY;
    int status = 1;
    int is_update = !strcmp(verb, "update");
    if (i >= argc || strcmp(argv[i], "key"))
        return cli_error("missing 'key BYTES'");
    i++;
    if (take_bytes(argc, argv, &i, "key", &key, &klen))
        return 1;
    if (is_update) {
        if (i >= argc || strcmp(argv[i], "value")) {
            cli_error("missing 'value BYTES'");
            goto out;
        }
        i++;
        if (take_bytes(argc, argv, &i, "value", &value, &vlen))
            goto out;
        if (i < argc && (!strcmp(argv[i], "any") || !strcmp(argv[i], "noexist") ||
                         !strcmp(argv[i], "exist"))) {
            flags = !strcmp(argv[i], "any") ? PBPF_ANY
                    : !strcmp(argv[i], "noexist") ? PBPF_NOEXIST
                                                  : PBPF_EXIST;
            i++;
        }
    }
    if (i < argc) {
        cli_bad_arg(argv[i]);
        goto out;
    }
    if (klen != pbpf_map_key_size(m)) {
        cli_error("map '%s': key is %zu bytes, the map's keys are %u", pbpf_map_name(m), klen,
                  pbpf_map_key_size(m));
        goto out;
    }
    size_t uvs = pbpf_map_user_value_size(m);
    int rc;
    if (is_update) {
        uint32_t vs = pbpf_map_value_size(m);
        if (vlen == uvs) {
            full = value;
            value = NULL;
        } else if (is_percpu(pbpf_map_type(m)) && vlen == vs) {
            size_t stride = (vs + 7) / 8 * 8;
            full = calloc(1, uvs);
            if (!full) {
                cli_error("out of memory");
                goto out;
            }
            for (size_t off = 0; off < uvs; off += stride)
                memcpy(full + off, value, vs);
        } else {
            cli_error("map '%s': value is %zu bytes, the map's values are %zu", pbpf_map_name(m),
                      vlen, uvs);
            goto out;
        }
        rc = pbpf_map_update_elem(m, key, full, flags);
    } else if (!strcmp(verb, "delete")) {
        rc = pbpf_map_delete_elem(m, key);
    } else {
        full = malloc(uvs + 8);
        if (!full) {
            cli_error("out of memory");
            goto out;
        }
        rc = pbpf_map_lookup_elem(m, key, full);
        if (rc == 0) {
            if (json) {
                printf("{\"key\":");
                cli_json_hex(stdout, key, klen);
                printf(",");
                print_value(m, full, 1);
                printf("}\n");
            } else {
                printf("key: ");
                cli_print_hex(stdout, key, klen);
                printf("%s", is_percpu(pbpf_map_type(m)) ? "\n" : "  ");
                print_value(m, full, 0);
            }
        }
    }
    if (rc) {
        cli_error("map '%s': %s: %s", pbpf_map_name(m), verb,
                  rc == -ENOENT ? "no such key" : strerror(-rc));
        goto out;
    }
    status = 0;
out:
    free(key);
    free(value);
    free(full);
    return status;
}

int cli_cmd_map(int argc, char **argv)
{
    int json = 0, n = 0;
    /* options anywhere; the rest is positional (keys may look like words) */
    char **args = malloc((size_t)(argc ? argc : 1) * sizeof *args);
    if (!args)
        return cli_error("out of memory");
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            free(args);
            map_usage();
            return 0;
        }
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (argv[i][0] == '-' && argv[i][1] == '-') {
            free(args);
            return cli_bad_arg(argv[i]);
        } else
            args[n++] = argv[i];
    }
    int status;
    if (n == 0) {
        status = cli_error("missing verb: list, dump, lookup, update, delete or pin (see 'pbpf map --help')");
    } else if (!strcmp(args[0], "list")) {
        status = map_list(n - 1, args + 1, json);
    } else if (!strcmp(args[0], "dump") || !strcmp(args[0], "lookup") ||
               !strcmp(args[0], "update") || !strcmp(args[0], "delete") ||
               !strcmp(args[0], "pin")) {
        int i = 1;
        struct pbpf_map *m;
        const struct pbpf_object_map *d;
        struct cli_obj *o;
        status = cli_map_ref(n, args, &i, &m, &d, &o);
        if (!status) {
            if (!strcmp(args[0], "dump"))
                status = i < n ? cli_bad_arg(args[i]) : map_dump(m, json);
            else if (!strcmp(args[0], "pin")) {
                if (i + 1 != n)
                    status = i < n ? cli_bad_arg(args[i + 1]) : cli_error("missing pin path");
                else {
                    int rc = pbpf_map_pin(m, args[i]);
                    status = rc ? cli_error("cannot pin at '%s': %s", args[i],
                                            rc == -EEXIST ? "something is pinned there"
                                                          : strerror(-rc))
                                : 0;
                }
            } else
                status = map_elem(args[0], m, n, args, i, json);
            pbpf_map_free(m);
        }
    } else {
        status = cli_error("unknown verb '%s' (expected list, dump, lookup, update, delete or pin)",
                           args[0]);
    }
    free(args);
    if (!status && fflush(stdout))
        return cli_error("cannot write the output");
    return status;
}
