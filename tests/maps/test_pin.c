/* The pin name space (pbpf/maps.h): maps, programs and other objects share
 * one set of paths; a pin holds a reference until it is unpinned; getting a
 * path of another kind fails with -EINVAL; pbpf_unpin removes any kind. */
#include <errno.h>
#include <stdio.h>

#include "pbpf/maps.h"
#include "pbpf/pbpf.h"

static int fails;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);                                    \
            fails++;                                                                               \
        }                                                                                          \
    } while (0)

struct thing {
    int refs;
};
static void thing_get(void *o) { ((struct thing *)o)->refs++; }
static void thing_put(void *o) { ((struct thing *)o)->refs--; }
static const struct pbpf_pin_ops thing_ops = {thing_get, thing_put};
static const struct pbpf_pin_ops other_ops = {thing_get, thing_put};

int main(void)
{
    struct pbpf_runtime *rt;
    struct pbpf_map *m, *got_m;
    struct pbpf_prog *p, *got_p;
    if (pbpf_runtime_new(NULL, &rt))
        return 1;
    PBPF_OPTS(pbpf_map_create_opts, mo, .type = PBPF_MAP_TYPE_ARRAY, .key_size = 4,
              .value_size = 8, .max_entries = 1);
    /* r0 = 42; exit */
    const struct pbpf_insn insns[] = {{0xb7, 0, 0, 42}, {0x95, 0, 0, 0}};
    if (pbpf_map_create(rt, &mo, &m) || pbpf_prog_load(rt, insns, 2, NULL, &p))
        return 1;

    CHECK(pbpf_prog_pin(p, "/t/prog") == 0);
    CHECK(pbpf_prog_pin(p, "/t/prog") == -EEXIST);
    CHECK(pbpf_map_pin(m, "/t/prog") == -EEXIST);
    CHECK(pbpf_prog_pin(p, "") == -EINVAL);
    CHECK(pbpf_map_pin(m, "/t/map") == 0);
    CHECK(pbpf_pinned_kind("/t/prog") == PBPF_PIN_PROG);
    CHECK(pbpf_pinned_kind("/t/map") == PBPF_PIN_MAP);
    CHECK(pbpf_pinned_kind("/t/none") == -ENOENT);
    /* another kind at the path */
    CHECK(pbpf_map_get_pinned("/t/prog", &got_m) == -EINVAL && !got_m);
    CHECK(pbpf_prog_get_pinned("/t/map", &got_p) == -EINVAL && !got_p);
    CHECK(pbpf_map_unpin("/t/prog") == -EINVAL);

    /* the pin keeps the program: the caller's reference can go */
    pbpf_prog_free(p);
    CHECK(pbpf_prog_get_pinned("/t/prog", &got_p) == 0 && got_p == p);
    uint64_t r0 = 0;
    CHECK(pbpf_prog_run(got_p, NULL, 0, &r0, NULL) == 0 && r0 == 42);
    pbpf_prog_free(got_p);
    CHECK(pbpf_unpin("/t/prog") == 0);
    CHECK(pbpf_unpin("/t/prog") == -ENOENT);
    CHECK(pbpf_prog_get_pinned("/t/prog", &got_p) == -ENOENT);
    CHECK(pbpf_unpin("/t/map") == 0);

    /* other objects: references through their ops */
    struct thing t = {1};
    CHECK(pbpf_obj_pin(&t, &thing_ops, "/t/thing") == 0 && t.refs == 2);
    void *o;
    CHECK(pbpf_obj_get_pinned("/t/thing", &other_ops, &o) == -EINVAL);
    CHECK(pbpf_obj_get_pinned("/t/thing", &thing_ops, &o) == 0 && o == &t && t.refs == 3);
    CHECK(pbpf_prog_get_pinned("/t/thing", &got_p) == -EINVAL);
    CHECK(pbpf_pinned_kind("/t/thing") == PBPF_PIN_OTHER);
    CHECK(pbpf_unpin("/t/thing") == 0 && t.refs == 2);

    pbpf_map_free(m);
    pbpf_runtime_free(rt);
    printf("%s\n", fails ? "pin: FAILED" : "pin: all checks passed");
    return fails ? 1 : 0;
}
