/* Objects, programs and maps on the command line (see objcli.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/utsname.h>
#endif

#include "cli.h"
#include "objcli.h"
#include "maps/map.h"
#include "platform/platform.h"

uint64_t cli_replay_clock_ns;
static struct cli_obj *objects;

int cli_is_elf(const char *path)
{
    unsigned char magic[4] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(magic, 1, 4, f);
    fclose(f);
    return n == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

/* bpf_ktime_get_ns (5), bpf_ktime_get_boot_ns (125), bpf_ktime_get_coarse_ns
 * (160): the capture's time during a pcap replay, else the monotonic clock. */
static uint64_t replay_ktime(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                             struct pbpf_run_ctx *ctx)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)ctx;
    return cli_replay_clock_ns ? cli_replay_clock_ns : pbpf_time_mono_ns();
}

/* LINUX_KERNEL_VERSION for .kconfig: the host's, where there is one. */
static uint32_t host_kern_version(void)
{
#ifdef __linux__
    struct utsname u;
    unsigned a = 0, b = 0, c = 0;
    if (uname(&u) == 0 && sscanf(u.release, "%u.%u.%u", &a, &b, &c) >= 2)
        return a << 16 | b << 8 | (c > 255 ? 255 : c); /* KERNEL_VERSION(a, b, c) */
#endif
    return 0;
}

int cli_obj_open(const char *path, struct cli_obj **out)
{
    for (struct cli_obj *o = objects; o; o = o->next)
        if (!strcmp(o->path, path)) {
            *out = o;
            return 0;
        }
    char *data;
    size_t len;
    char log[512] = "";
    int rc = cli_read_file(path, &data, &len);
    if (rc)
        return cli_error("cannot read '%s': %s", path, strerror(-rc));
    struct cli_obj *o = calloc(1, sizeof *o);
    if (!o || !(o->path = strdup(path))) {
        free(o);
        free(data);
        return cli_error("out of memory");
    }
    PBPF_OPTS(pbpf_object_opts, oo, .log_buf = log, .log_size = sizeof log);
    rc = pbpf_object_open_mem(data, len, &oo, &o->obj);
    free(data);
    if (rc) {
        free(o->path);
        free(o);
        return cli_error("%s: not a BPF object: %s", path, log[0] ? log : strerror(-rc));
    }
    rc = pbpf_runtime_new(NULL, &o->rt);
    if (rc) {
        pbpf_object_close(o->obj);
        free(o->path);
        free(o);
        return cli_error("cannot create a runtime: %s", strerror(-rc));
    }
    pbpf_runtime_set_helper(o->rt, 5, replay_ktime, NULL);
    pbpf_runtime_set_helper(o->rt, 125, replay_ktime, NULL);
    pbpf_runtime_set_helper(o->rt, 160, replay_ktime, NULL);
    o->next = objects;
    objects = o;
    *out = o;
    return 0;
}

int cli_obj_try_load(struct cli_obj *o)
{
    if (o->load_tried)
        return o->loaded ? 0 : -1;
    o->load_tried = 1;
    char log[448] = "";
    PBPF_OPTS(pbpf_object_load_opts, lo, .log_buf = log, .log_size = sizeof log,
              .kern_version = host_kern_version());
    int rc = pbpf_object_load(o->obj, o->rt, &lo);
    if (rc) {
        snprintf(o->load_err, sizeof o->load_err, "%s", log[0] ? log : strerror(-rc));
        return -1;
    }
    o->loaded = 1;
    return 0;
}

int cli_obj_get(const char *path, struct cli_obj **out)
{
    if (cli_obj_open(path, out))
        return 1;
    if (cli_obj_try_load(*out))
        return cli_error("%s: cannot load: %s", path, (*out)->load_err);
    return 0;
}

void cli_obj_release_all(void)
{
    while (objects) {
        struct cli_obj *o = objects;
        objects = o->next;
        pbpf_object_close(o->obj);
        pbpf_runtime_free(o->rt);
        free(o->path);
        free(o);
    }
}

int cli_obj_find_prog(const struct cli_obj *o, const char *name)
{
    size_t n = pbpf_object_prog_cnt(o->obj);
    if (name) {
        int idx = pbpf_object_find_prog(o->obj, name);
        if (idx < 0) {
            cli_error("%s: no program '%s' (see 'pbpf prog list %s')", o->path, name, o->path);
            return -1;
        }
        return idx;
    }
    if (n == 1)
        return 0;
    if (n == 0)
        cli_error("%s: the object has no programs", o->path);
    else
        cli_error("%s: %zu programs: name one with --prog (see 'pbpf prog list %s')", o->path, n,
                  o->path);
    return -1;
}

int cli_map_ref(int argc, char **argv, int *i, struct pbpf_map **map,
                const struct pbpf_object_map **obj_map, struct cli_obj **obj)
{
    *map = NULL;
    *obj_map = NULL;
    *obj = NULL;
    if (*i >= argc)
        return cli_error("missing map: OBJ NAME or pinned PATH");
    if (!strcmp(argv[*i], "pinned")) {
        if (*i + 1 >= argc)
            return cli_error("missing path after 'pinned'");
        const char *path = argv[*i + 1];
        *i += 2;
        if (pbpf_map_get_pinned(path, map) == 0)
            return 0;
        return cli_error("nothing pinned at '%s' in this process (pins last as long as the "
                         "process: pin and use them in one 'pbpf batch')",
                         path);
    }
    if (*i + 1 >= argc)
        return cli_error("missing map name after '%s'", argv[*i]);
    const char *path = argv[*i], *name = argv[*i + 1];
    *i += 2;
    if (cli_obj_get(path, obj))
        return 1;
    int idx = pbpf_object_find_map((*obj)->obj, name);
    if (idx < 0)
        return cli_error("%s: no map '%s' (see 'pbpf map list %s')", path, name, path);
    *obj_map = pbpf_object_map((*obj)->obj, (size_t)idx);
    *map = pbpf_object_map_handle((*obj)->obj, (size_t)idx);
    if (!*map)
        return cli_error("%s: map '%s' was not created", path, name);
    pbpf_map_get(*map); /* the caller drops it, as for a pinned map */
    return 0;
}

const char *cli_map_type_name(uint32_t type)
{
    /* Linux's names (enum bpf_map_type without BPF_MAP_TYPE_, lower case),
     * as bpftool prints them */
    static const char *const names[] = {
        "unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
        "percpu_array", "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash",
        "lpm_trie", "array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap",
        "sockhash", "cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage", "queue",
        "stack", "sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage",
        "task_storage", "bloom_filter", "user_ringbuf", "cgrp_storage", "arena",
    };
    return type < sizeof names / sizeof names[0] ? names[type] : NULL;
}

void cli_print_hex(FILE *f, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%s%02x", i ? " " : "", p[i]);
}

void cli_json_hex(FILE *f, const void *data, size_t len)
{
    const uint8_t *p = data;
    fputc('[', f);
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%s\"0x%02x\"", i ? "," : "", p[i]);
    fputc(']', f);
}
