/* Pinning (BPF_OBJ_PIN / BPF_OBJ_GET within the process): one name space
 * of paths, as one bpffs mount, shared by maps, programs and the objects of
 * the libbpf layer (links).  An entry holds a reference on what it names
 * until it is unpinned.  The object loader's pinning by name
 * (LIBBPF_PIN_BY_NAME) uses the same entries. */
#include <errno.h>
#include <string.h>

#include "exec/exec.h"
#include "maps/map.h"
#include "platform/platform.h"

/* Linux's PATH_MAX: longer paths fail (-ENAMETOOLONG there; the path is
 * the caller's string here, so a plain -EINVAL) */
#define PIN_PATH_MAX 4096

struct pin {
    struct pin *next;
    int kind; /* PBPF_PIN_* */
    void *obj;
    const struct pbpf_pin_ops *ops; /* PBPF_PIN_OTHER */
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

static void pin_ref(const struct pin *p, int get)
{
    switch (p->kind) {
    case PBPF_PIN_MAP:
        if (get)
            pbpf_map_get(p->obj);
        else
            pbpf_map_free(p->obj);
        break;
    case PBPF_PIN_PROG:
        if (get)
            pbpf_prog_get(p->obj);
        else
            pbpf_prog_free(p->obj);
        break;
    default:
        (get ? p->ops->get : p->ops->put)(p->obj);
        break;
    }
}

static int pin_add(int kind, void *obj, const struct pbpf_pin_ops *ops, const char *path)
{
    if (!obj || !path || !path[0])
        return -EINVAL;
    size_t n = strlen(path);
    if (n >= PIN_PATH_MAX)
        return -EINVAL;
    struct pin *p = pbpf_malloc(sizeof *p + n + 1);
    if (!p)
        return -ENOMEM;
    memcpy(p->path, path, n + 1);
    p->kind = kind;
    p->obj = obj;
    p->ops = ops;
    pbpf_map_lock(&pin_lock);
    if (*pin_find(path)) {
        pbpf_map_unlock(&pin_lock);
        pbpf_free(p);
        return -EEXIST;
    }
    pin_ref(p, 1);
    p->next = pins;
    pins = p;
    pbpf_map_unlock(&pin_lock);
    return 0;
}

/* A new reference on the object pinned at path if it is of kind (and,
 * for PBPF_PIN_OTHER, has ops): 0, -ENOENT (nothing there) or -EINVAL
 * (something of another kind). */
static int pin_get(int kind, const struct pbpf_pin_ops *ops, const char *path, void **out)
{
    *out = NULL;
    if (!path)
        return -EINVAL;
    int rc = -ENOENT;
    pbpf_map_lock(&pin_lock);
    struct pin *p = *pin_find(path);
    if (p && (p->kind != kind || p->ops != ops))
        rc = -EINVAL;
    else if (p) {
        pin_ref(p, 1);
        *out = p->obj;
        rc = 0;
    }
    pbpf_map_unlock(&pin_lock);
    return rc;
}

/* Removes the entry at path when it is of kind (0: any). */
static int pin_remove(int kind, const char *path)
{
    if (!path)
        return -EINVAL;
    pbpf_map_lock(&pin_lock);
    struct pin **pp = pin_find(path), *p = *pp;
    if (p && kind && p->kind != kind) {
        pbpf_map_unlock(&pin_lock);
        return -EINVAL;
    }
    if (p)
        *pp = p->next;
    pbpf_map_unlock(&pin_lock);
    if (!p)
        return -ENOENT;
    /* programs using the object hold references of their own */
    pin_ref(p, 0);
    pbpf_free(p);
    return 0;
}

int pbpf_map_pin(struct pbpf_map *m, const char *path)
{
    return pin_add(PBPF_PIN_MAP, m, NULL, path);
}

int pbpf_map_get_pinned(const char *path, struct pbpf_map **out)
{
    if (!out)
        return -EINVAL;
    void *o;
    int rc = pin_get(PBPF_PIN_MAP, NULL, path, &o);
    *out = o;
    return rc;
}

int pbpf_map_unpin(const char *path) { return pin_remove(PBPF_PIN_MAP, path); }

int pbpf_prog_pin(struct pbpf_prog *prog, const char *path)
{
    return pin_add(PBPF_PIN_PROG, prog, NULL, path);
}

int pbpf_prog_get_pinned(const char *path, struct pbpf_prog **out)
{
    if (!out)
        return -EINVAL;
    void *o;
    int rc = pin_get(PBPF_PIN_PROG, NULL, path, &o);
    *out = o;
    return rc;
}

int pbpf_obj_pin(void *obj, const struct pbpf_pin_ops *ops, const char *path)
{
    if (!ops || !ops->get || !ops->put)
        return -EINVAL;
    return pin_add(PBPF_PIN_OTHER, obj, ops, path);
}

int pbpf_obj_get_pinned(const char *path, const struct pbpf_pin_ops *ops, void **out)
{
    if (!out || !ops)
        return -EINVAL;
    return pin_get(PBPF_PIN_OTHER, ops, path, out);
}

int pbpf_unpin(const char *path) { return pin_remove(0, path); }

int pbpf_pinned_kind(const char *path)
{
    if (!path)
        return -EINVAL;
    pbpf_map_lock(&pin_lock);
    struct pin *p = *pin_find(path);
    int kind = p ? p->kind : -ENOENT;
    pbpf_map_unlock(&pin_lock);
    return kind;
}
