/* Pinning (BPF_OBJ_PIN / BPF_OBJ_GET within the process): one name space
 * of paths, as one bpffs mount.  An entry holds a reference on the map it
 * names until it is unpinned.  The object loader's pinning by name
 * (LIBBPF_PIN_BY_NAME) uses the same entries. */
#include <errno.h>
#include <string.h>

#include "maps/map.h"
#include "platform/platform.h"

/* Linux's PATH_MAX: longer paths fail (-ENAMETOOLONG there; the path is
 * the caller's string here, so a plain -EINVAL) */
#define PIN_PATH_MAX 4096

struct pin {
    struct pin *next;
    struct pbpf_map *map;
    char path[];
};

static int pin_lock;
static struct pin *pins;

static struct pin **pin_find(const char *path)
{
    struct pin **pp = &pins;
    while (*pp && strcmp((*pp)->path, path) != 0)
        pp = &(*pp)->next;
    return pp;
}

int pbpf_map_pin(struct pbpf_map *m, const char *path)
{
    if (!m || !path || !path[0])
        return -EINVAL;
    size_t n = strlen(path);
    if (n >= PIN_PATH_MAX)
        return -EINVAL;
    struct pin *p = pbpf_malloc(sizeof *p + n + 1);
    if (!p)
        return -ENOMEM;
    memcpy(p->path, path, n + 1);
    p->map = m;
    pbpf_map_lock(&pin_lock);
    if (*pin_find(path)) {
        pbpf_map_unlock(&pin_lock);
        pbpf_free(p);
        return -EEXIST;
    }
    pbpf_map_get(m);
    p->next = pins;
    pins = p;
    pbpf_map_unlock(&pin_lock);
    return 0;
}

int pbpf_map_get_pinned(const char *path, struct pbpf_map **out)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    if (!path)
        return -EINVAL;
    pbpf_map_lock(&pin_lock);
    struct pin *p = *pin_find(path);
    if (p) {
        pbpf_map_get(p->map);
        *out = p->map;
    }
    pbpf_map_unlock(&pin_lock);
    return p ? 0 : -ENOENT;
}

int pbpf_map_unpin(const char *path)
{
    if (!path)
        return -EINVAL;
    pbpf_map_lock(&pin_lock);
    struct pin **pp = pin_find(path), *p = *pp;
    if (p)
        *pp = p->next;
    pbpf_map_unlock(&pin_lock);
    if (!p)
        return -ENOENT;
    /* programs using the map hold references of their own */
    pbpf_map_free(p->map);
    pbpf_free(p);
    return 0;
}
