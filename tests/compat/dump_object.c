/* Prints what the libbpf object API tells about BPF objects, opened but
 * not loaded: programs (name, section, types, autoload, instructions) and
 * maps (libbpf's names, type, sizes, flags, initial values of global
 * data, lookups by name).  Built twice — against pbpf's headers and
 * pbpf_bpf, and against the system's libbpf — so that a test can compare
 * the two outputs line by line: libbpf is the reference.
 *   dump_object OBJ...            opened with bpf_object__open_file
 *   dump_object --name N OBJ...   with opts.object_name = N */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level, (void)fmt, (void)ap;
    return 0;
}

/* FNV-1a over the instruction bytes: equal text means equal instructions */
static unsigned long long hash(const void *p, size_t n)
{
    const unsigned char *b = p;
    unsigned long long h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static void dump(const char *path, const char *name)
{
    LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
    struct bpf_object *obj = bpf_object__open_file(path, &opts);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!obj) {
        printf("%s: open failed: %d\n", base, -errno);
        return;
    }
    printf("object %s: name %s kversion %u\n", base, bpf_object__name(obj),
           bpf_object__kversion(obj));
    struct bpf_program *p;
    bpf_object__for_each_program(p, obj)
    {
        size_t n = bpf_program__insn_cnt(p);
        printf("  prog %s sec %s type %d attach %d autoload %d insns %zu hash %llx\n",
               bpf_program__name(p), bpf_program__section_name(p), (int)bpf_program__type(p),
               (int)bpf_program__expected_attach_type(p), (int)bpf_program__autoload(p), n,
               hash(bpf_program__insns(p), n * sizeof(struct bpf_insn)));
        if (bpf_object__find_program_by_name(obj, bpf_program__name(p)) != p)
            printf("  find_program_by_name(%s) is another program\n", bpf_program__name(p));
        printf("  fd before load: %d\n", bpf_program__fd(p) < 0 ? -1 : 0);
    }
    struct bpf_map *m;
    bpf_object__for_each_map(m, obj)
    {
        size_t sz = 0;
        const void *init = bpf_map__initial_value(m, &sz);
        printf("  map %s type %d key %u value %u max %u flags 0x%x internal %d", bpf_map__name(m),
               (int)bpf_map__type(m), bpf_map__key_size(m), bpf_map__value_size(m),
               bpf_map__max_entries(m), bpf_map__map_flags(m), (int)bpf_map__is_internal(m));
        if (init)
            printf(" init %zu bytes hash %llx", sz, hash(init, sz));
        printf(" numa %u extra %llu btf key %u value %u\n", bpf_map__numa_node(m),
               (unsigned long long)bpf_map__map_extra(m), bpf_map__btf_key_type_id(m),
               bpf_map__btf_value_type_id(m));
        if (bpf_object__find_map_by_name(obj, bpf_map__name(m)) != m)
            printf("  find_map_by_name(%s) is another map\n", bpf_map__name(m));
    }
    /* backwards */
    printf("  programs backwards:");
    for (p = bpf_object__prev_program(obj, NULL); p; p = bpf_object__prev_program(obj, p))
        printf(" %s", bpf_program__name(p));
    printf("\n  maps backwards:");
    for (m = bpf_object__prev_map(obj, NULL); m; m = bpf_object__prev_map(obj, m))
        printf(" %s", bpf_map__name(m));
    printf("\n");
    static const char *const sections[] = {".bss", ".data", ".rodata", ".kconfig"};
    for (size_t i = 0; i < sizeof sections / sizeof *sections; i++) {
        m = bpf_object__find_map_by_name(obj, sections[i]);
        printf("  find_map_by_name(%s): %s\n", sections[i], m ? bpf_map__name(m) : "none");
    }
    errno = 0;
    m = bpf_object__find_map_by_name(obj, "no_such_map");
    printf("  find_map_by_name(no_such_map): %s errno %d\n", m ? "found" : "none", errno);
    errno = 0;
    p = bpf_object__find_program_by_name(obj, "no_such_prog");
    printf("  find_program_by_name(no_such_prog): %s errno %d\n", p ? "found" : "none", errno);
    bpf_object__close(obj);
}

/* the names of every value the UAPI header knows (Linux 6.1's header
 * ends the map and program types here) */
static void dump_names(void)
{
    printf("version %u.%u %s\n", libbpf_major_version(), libbpf_minor_version(),
           libbpf_version_string());
    for (int t = 0; t <= BPF_MAP_TYPE_USER_RINGBUF; t++)
        printf("map type %d: %s\n", t, libbpf_bpf_map_type_str((enum bpf_map_type)t));
    for (int t = 0; t <= BPF_PROG_TYPE_SYSCALL; t++)
        printf("prog type %d: %s\n", t, libbpf_bpf_prog_type_str((enum bpf_prog_type)t));
    for (int t = 0; t < __MAX_BPF_ATTACH_TYPE; t++)
        printf("attach type %d: %s\n", t, libbpf_bpf_attach_type_str((enum bpf_attach_type)t));
}

int main(int argc, char **argv)
{
    const char *name = NULL;
    int i = 1;
    libbpf_set_print(quiet);
    if (argc == 2 && strcmp(argv[1], "--names") == 0) {
        dump_names();
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "--name") == 0) {
        name = argv[2];
        i = 3;
    }
    for (; i < argc; i++)
        dump(argv[i], name);
    return 0;
}
