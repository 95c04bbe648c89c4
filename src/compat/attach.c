/* Attaching (bpf_program__attach, bpf_link__destroy) and firing attach
 * points (pbpf_bpf_fire).
 *
 * Linux attaches a program to a kernel event; pbpf has no kernel events,
 * so a link is an entry "program P runs at attach point (type, target)" in
 * a process-wide list, and whoever observes the event — the embedder, or
 * a test — fires the attach point.  The attach points are the ones libbpf
 * attaches automatically from a SEC() name with a target:
 * kprobe/kretprobe/uprobe (KPROBE), tp/tracepoint (TRACEPOINT),
 * raw_tp/raw_tracepoint (RAW_TRACEPOINT[_WRITABLE]), fentry/fexit/fmod_ret
 * /tp_btf/iter (TRACING). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/pbpf_attach.h"
#include "compat/compat.h"
#include "compat/object.h"
#include "exec/exec.h"

/* A link holds a reference on its program, and is itself held by its
 * user (bpf_link__destroy drops that) and by a pin: a pinned link stays
 * attached when its user destroys it or its object closes, as a pinned
 * bpf_link does on Linux, until it is unpinned. */
struct bpf_link {
    struct bpf_link *next;
    const struct bpf_program *prog; /* NULL once its object closed */
    struct pbpf_prog *p;            /* NULL once detached */
    uint32_t type;
    uint32_t refcnt;
    char *target;
    char *name;     /* the program's, for messages */
    char *pin_path; /* where bpf_link__pin pinned it */
};

static pthread_rwlock_t links_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct bpf_link *links, **links_tail = &links;

static int auto_attachable(uint32_t type)
{
    switch (type) {
    case BPF_PROG_TYPE_KPROBE:
    case BPF_PROG_TYPE_TRACEPOINT:
    case BPF_PROG_TYPE_RAW_TRACEPOINT:
    case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
    case BPF_PROG_TYPE_TRACING:
        return 1;
    default:
        return 0;
    }
}

/* Whether bpf_program__attach can attach prog: 1 yes, 0 no auto-attach
 * for its section (skeletons skip it), or a negative errno. */
static int attachable(const struct bpf_program *prog)
{
    if (!auto_attachable(prog->type) || !prog->target || !prog->target[0])
        return 0;
    return prog->prog ? 1 : -EINVAL;
}

static int is_prefix(const char *s, const char *pfx) { return strncmp(s, pfx, strlen(pfx)) == 0; }

/* A link of prog at (its type, target). */
static struct bpf_link *attach_at(const struct bpf_program *prog, const char *target,
                                  int retprobe)
{
    if (!prog->prog) {
        compat_print(COMPAT_WARN,
                     "libbpf: prog '%s': can't attach BPF program without FD (was it loaded?)\n",
                     prog->name);
        return compat_err_ptr(-EINVAL);
    }
    if (!target || !target[0])
        return compat_err_ptr(-EINVAL);
    struct bpf_link *l = calloc(1, sizeof *l);
    size_t n = strlen(target);
    if (!l || !(l->target = malloc(n + sizeof "%return")) || !(l->name = strdup(prog->name))) {
        if (l)
            free(l->target);
        free(l);
        return compat_err_ptr(-ENOMEM);
    }
    memcpy(l->target, target, n + 1);
    if (retprobe)
        memcpy(l->target + n, "%return", sizeof "%return");
    l->prog = prog;
    l->p = prog->prog;
    pbpf_prog_get(l->p);
    l->type = prog->type;
    l->refcnt = 1;
    pthread_rwlock_wrlock(&links_lock);
    *links_tail = l;
    links_tail = &l->next;
    pthread_rwlock_unlock(&links_lock);
    return l;
}

struct bpf_link *bpf_program__attach(const struct bpf_program *prog)
{
    if (!prog)
        return compat_err_ptr(-EINVAL);
    int rc = attachable(prog);
    if (rc == 0) {
        compat_print(COMPAT_WARN, "libbpf: prog '%s': no auto-attach for section '%s' in pbpf\n",
                     prog->name, prog->sec);
        return compat_err_ptr(-EOPNOTSUPP);
    }
    /* return probes have their own attach point: "func%return" */
    int ret = prog->type == BPF_PROG_TYPE_KPROBE &&
              (is_prefix(prog->sec, "kretprobe") || is_prefix(prog->sec, "uretprobe"));
    return attach_at(prog, prog->target, ret);
}

static struct bpf_link *attach_typed(const struct bpf_program *prog, uint32_t t1, uint32_t t2,
                                     const char *target, int retprobe)
{
    if (!prog)
        return compat_err_ptr(-EINVAL);
    if (prog->type != t1 && prog->type != t2) {
        compat_print(COMPAT_WARN, "libbpf: prog '%s': wrong program type %u for this attach\n",
                     prog->name, prog->type);
        return compat_err_ptr(-EINVAL);
    }
    return attach_at(prog, target, retprobe);
}

struct bpf_link *bpf_program__attach_tracepoint(const struct bpf_program *prog,
                                                const char *tp_category, const char *tp_name)
{
    char target[256];
    if (!tp_category || !tp_name ||
        (size_t)snprintf(target, sizeof target, "%s/%s", tp_category, tp_name) >= sizeof target)
        return compat_err_ptr(-EINVAL);
    return attach_typed(prog, BPF_PROG_TYPE_TRACEPOINT, BPF_PROG_TYPE_TRACEPOINT, target, 0);
}

struct bpf_link *bpf_program__attach_raw_tracepoint(const struct bpf_program *prog,
                                                    const char *tp_name)
{
    return attach_typed(prog, BPF_PROG_TYPE_RAW_TRACEPOINT,
                        BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, tp_name, 0);
}

struct bpf_link *bpf_program__attach_kprobe(const struct bpf_program *prog, bool retprobe,
                                            const char *func_name)
{
    return attach_typed(prog, BPF_PROG_TYPE_KPROBE, BPF_PROG_TYPE_KPROBE, func_name, retprobe);
}

int compat_auto_attachable(const struct bpf_program *prog);
int compat_auto_attachable(const struct bpf_program *prog) { return attachable(prog) != 0; }

static void unlink_locked(struct bpf_link *l)
{
    for (struct bpf_link **pp = &links; *pp; pp = &(*pp)->next)
        if (*pp == l) {
            *pp = l->next;
            if (links_tail == &l->next)
                links_tail = pp;
            return;
        }
}

static void link_get(void *obj)
{
    struct bpf_link *l = obj;
    __atomic_add_fetch(&l->refcnt, 1, __ATOMIC_RELAXED);
}

static void link_put(void *obj)
{
    struct bpf_link *l = obj;
    if (__atomic_sub_fetch(&l->refcnt, 1, __ATOMIC_ACQ_REL))
        return;
    pthread_rwlock_wrlock(&links_lock);
    if (l->p)
        unlink_locked(l);
    pthread_rwlock_unlock(&links_lock);
    pbpf_prog_free(l->p);
    free(l->target);
    free(l->name);
    free(l->pin_path);
    free(l);
}

static const struct pbpf_pin_ops link_pin_ops = {link_get, link_put};

int bpf_link__destroy(struct bpf_link *link)
{
    if (link)
        link_put(link);
    return 0;
}

int bpf_link__pin(struct bpf_link *link, const char *path)
{
    if (!link || !path)
        return compat_err(-EINVAL);
    if (link->pin_path)
        return compat_err(-EBUSY);
    char *copy = strdup(path);
    if (!copy)
        return compat_err(-ENOMEM);
    int rc = pbpf_obj_pin(link, &link_pin_ops, path);
    if (rc) {
        free(copy);
        return compat_err(rc);
    }
    link->pin_path = copy;
    return 0;
}

int bpf_link__unpin(struct bpf_link *link)
{
    if (!link || !link->pin_path)
        return compat_err(-EINVAL);
    void *there;
    int rc = pbpf_obj_get_pinned(link->pin_path, &link_pin_ops, &there);
    if (!rc) {
        rc = there == link ? pbpf_unpin(link->pin_path) : -ENOENT;
        link_put(there);
    }
    if (rc)
        return compat_err(rc);
    free(link->pin_path);
    link->pin_path = NULL;
    return 0;
}

const char *bpf_link__pin_path(const struct bpf_link *link)
{
    return link ? link->pin_path : NULL;
}

struct bpf_link *bpf_link__open(const char *path)
{
    void *l;
    int rc = pbpf_obj_get_pinned(path, &link_pin_ops, &l);
    if (rc) {
        compat_print(COMPAT_WARN, "libbpf: failed to open link at %s: %d\n", path ? path : "",
                     rc);
        return compat_err_ptr(rc);
    }
    return l;
}

int compat_link_pinned(const char *path)
{
    void *l;
    if (pbpf_obj_get_pinned(path, &link_pin_ops, &l))
        return 0;
    link_put(l);
    return 1;
}

void compat_links_forget(const struct bpf_program *prog)
{
    pthread_rwlock_wrlock(&links_lock);
    for (struct bpf_link *l = links, *next; l; l = next) {
        next = l->next;
        if (l->prog != prog)
            continue;
        l->prog = NULL;
        if (!l->pin_path) {
            /* the program goes with its object: detached */
            unlink_locked(l);
            pbpf_prog_free(l->p);
            l->p = NULL;
        }
    }
    pthread_rwlock_unlock(&links_lock);
}

int pbpf_bpf_fire(enum bpf_prog_type prog_type, const char *target, void *ctx, size_t ctx_size,
                  __u64 *last_ret)
{
    int ran = 0, rc = 0;
    if (!target)
        return compat_err(-EINVAL);
    pthread_rwlock_rdlock(&links_lock);
    for (struct bpf_link *l = links; l; l = l->next) {
        if (l->type != (uint32_t)prog_type || strcmp(l->target, target) != 0)
            continue;
        uint64_t r0 = 0;
        char msg[160] = "";
        PBPF_OPTS(pbpf_run_opts, ro, .err_buf = msg, .err_size = sizeof msg);
        rc = pbpf_prog_run(l->p, ctx, ctx_size, &r0, &ro);
        if (rc) {
            compat_print(COMPAT_WARN, "libbpf: prog '%s': run failed at insn %zu: %s\n",
                         l->name, ro.err_pc, msg);
            break;
        }
        ran++;
        if (last_ret)
            *last_ret = r0;
    }
    pthread_rwlock_unlock(&links_lock);
    return rc ? compat_err(rc) : ran;
}
