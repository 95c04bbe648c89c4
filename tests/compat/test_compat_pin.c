/* Pinning programs and links (bpf_obj_pin / bpf_obj_get on program
 * handles, bpf_program__pin/unpin, bpf_link__pin/unpin/open) in the one
 * name space maps share: a pinned program or link outlives its object
 * and its user's handle until it is unpinned, as on a bpffs mount.
 * Expected values follow from object_api.bpf.c's source (count_raw
 * returns 7 with CONFIG_PBPF_TEST_FLAG=y and adds
 * CONFIG_PBPF_TEST_NUMBER to values[0]).
 *   test_compat_pin DIR   (object_api.bpf.o in DIR) */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <bpf/pbpf_attach.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

static char obj_path[4096];

static struct bpf_object *open_loaded(void)
{
    LIBBPF_OPTS(bpf_object_open_opts, opts,
                .kconfig = "CONFIG_PBPF_TEST_NUMBER=5\nCONFIG_PBPF_TEST_FLAG=y\n");
    struct bpf_object *obj = bpf_object__open_file(obj_path, &opts);
    CHECK(obj != NULL, "open: %d", -errno);
    if (!obj)
        return NULL;
    struct bpf_program *off = bpf_object__find_program_by_name(obj, "not_loaded");
    if (off)
        bpf_program__set_autoload(off, false);
    int rc = bpf_object__load(obj);
    CHECK(rc == 0, "load: %d", rc);
    if (rc) {
        bpf_object__close(obj);
        return NULL;
    }
    return obj;
}

static int fire(unsigned long long *r0)
{
    unsigned long long ctx[6] = {0};
    return pbpf_bpf_fire(BPF_PROG_TYPE_RAW_TRACEPOINT, "sys_enter", ctx, sizeof ctx, r0);
}

static void test_prog_pin(void)
{
    struct bpf_object *obj = open_loaded();
    if (!obj)
        return;
    struct bpf_program *raw = bpf_object__find_program_by_name(obj, "count_raw");
    struct bpf_program *off = bpf_object__find_program_by_name(obj, "not_loaded");
    struct bpf_map *values = bpf_object__find_map_by_name(obj, "values");
    CHECK(bpf_program__pin(off, "/pin/off") == -EINVAL, "a program not loaded cannot be pinned");
    CHECK(bpf_program__pin(raw, "/pin/raw") == 0, "pin");
    CHECK(bpf_program__pin(raw, "/pin/raw") == -EEXIST, "pin twice");
    /* maps and programs share the name space */
    CHECK(bpf_map__pin(values, "/pin/raw") == -EEXIST, "a map where a program is pinned");
    CHECK(bpf_obj_pin(bpf_program__fd(raw), "/pin/raw2") == 0, "bpf_obj_pin of a program fd");
    CHECK(bpf_map__pin(values, "/pin/values") == 0, "pin map");
    bpf_object__close(obj);

    /* the pinned program lives on: a handle on it runs */
    int fd = bpf_obj_get("/pin/raw");
    CHECK(fd >= 0, "bpf_obj_get: %d", fd);
    unsigned long long ctx[6] = {0};
    LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = ctx, .ctx_size_in = sizeof ctx);
    CHECK(bpf_prog_test_run_opts(fd, &topts) == 0 && topts.retval == 7, "run: retval %u",
          topts.retval);
    /* and its map counts the run */
    int mfd = bpf_obj_get("/pin/values");
    __u32 k = 0;
    __u64 v = 0;
    CHECK(mfd >= 0 && bpf_map_lookup_elem(mfd, &k, &v) == 0 && v == 5, "values[0] %llu",
          (unsigned long long)v);
    /* a program handle is no map handle */
    CHECK(bpf_map_lookup_elem(fd, &k, &v) < 0 && errno == EINVAL, "map op on a program fd");
    close(fd);
    close(mfd);
    CHECK(bpf_obj_get("/pin/nothing") == -ENOENT && errno == ENOENT, "nothing pinned");

    /* unpin: bpf_program__unpin needs a loaded program as libbpf does; a
     * second object's program serves */
    obj = open_loaded();
    if (obj) {
        raw = bpf_object__find_program_by_name(obj, "count_raw");
        CHECK(bpf_program__unpin(raw, "/pin/values") == -EINVAL, "unpin of a map path");
        CHECK(bpf_program__unpin(raw, "/pin/raw") == 0, "unpin");
        CHECK(bpf_program__unpin(raw, "/pin/raw") == -ENOENT, "unpin twice");
        CHECK(bpf_program__unpin(raw, "/pin/raw2") == 0, "unpin the fd's pin");
        bpf_object__close(obj);
    }
    CHECK(bpf_obj_get("/pin/raw") == -ENOENT, "unpinned");
    CHECK(bpf_map__unpin(values, "/pin/values") == 0, "unpin map");
}

static void test_link_pin(void)
{
    struct bpf_object *obj = open_loaded();
    if (!obj)
        return;
    struct bpf_program *raw = bpf_object__find_program_by_name(obj, "count_raw");
    struct bpf_link *link = bpf_program__attach(raw);
    CHECK(link != NULL, "attach: %d", -errno);
    if (!link) {
        bpf_object__close(obj);
        return;
    }
    CHECK(bpf_link__pin_path(link) == NULL, "no pin path yet");
    CHECK(bpf_link__unpin(link) == -EINVAL, "unpin of a link never pinned");
    CHECK(bpf_link__pin(link, "/pin/link") == 0, "pin link");
    CHECK(bpf_link__pin(link, "/pin/link2") == -EBUSY, "a link pins once");
    CHECK(bpf_link__pin_path(link) && !strcmp(bpf_link__pin_path(link), "/pin/link"),
          "pin path");
    CHECK(bpf_obj_get("/pin/link") == -EOPNOTSUPP, "links have no fd");
    /* the pin keeps the link attached after destroy and after close */
    bpf_link__destroy(link);
    bpf_object__close(obj);
    unsigned long long r0 = 0;
    CHECK(fire(&r0) == 1 && r0 == 7, "pinned link still fires: %llu", r0);
    struct bpf_link *again = bpf_link__open("/pin/link");
    CHECK(again != NULL, "bpf_link__open: %d", -errno);
    CHECK(bpf_link__open("/pin/none") == NULL && errno == ENOENT, "open of nothing");
    if (again) {
        CHECK(bpf_link__unpin(again) == 0, "unpin link");
        CHECK(fire(&r0) == 1, "open handle keeps it attached");
        bpf_link__destroy(again);
    }
    CHECK(fire(NULL) == 0, "detached after unpin and destroy");

    /* a link that is not pinned is detached with its object */
    obj = open_loaded();
    if (!obj)
        return;
    link = bpf_program__attach(bpf_object__find_program_by_name(obj, "count_raw"));
    CHECK(link && fire(NULL) == 1, "attached");
    bpf_object__close(obj);
    CHECK(fire(NULL) == 0, "detached with its object");
    bpf_link__destroy(link);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_compat_pin DIR\n");
        return 2;
    }
    snprintf(obj_path, sizeof obj_path, "%s/object_api.bpf.o", argv[1]);
    test_prog_pin();
    test_link_pin();
    if (failures)
        fprintf(stderr, "%d checks failed\n", failures);
    else
        printf("compat pinning: all checks passed\n");
    return failures ? 1 : 0;
}
