/* SK_MSG messages and their helpers (Linux 6.18 net/core/filter.c:
 * bpf_msg_apply_bytes, bpf_msg_cork_bytes, bpf_msg_pull_data,
 * bpf_msg_push_data, bpf_msg_pop_data; include/linux/skmsg.h).
 *
 * Linux keeps a message as a ring of up to MAX_MSG_FRAGS scatterlist
 * elements; the program sees one window of it, [data, data_end), which
 * sk_msg_compute_data_pointers sets to the first element and
 * bpf_msg_pull_data to the bytes it was asked for.  pbpf keeps the same
 * elements (a list, each element a buffer of its own) and splits, merges
 * and moves them at the same points, so the window after every helper is
 * the one Linux gives.  Differences, each where Linux's result depends on
 * memory pbpf does not model:
 *   - bytes bpf_msg_push_data inserts are zeroed (Linux leaves the new
 *     page's contents as they were);
 *   - no element is a shared page (sg.copy): a test run's message is data
 *     a sendmsg copied in, never a sendfile's page;
 *   - bpf_msg_pull_data refuses (-EINVAL) a range whose end, counted from
 *     its element, passes 4 GiB (Linux's u32 sum wraps and the window
 *     would reach past the element);
 *   - a message grows to at most 4 MiB, the largest buffer Linux's
 *     helpers allocate at once (-ENOMEM past it), where Linux's bound is
 *     the socket's memory. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"
#include "hooks/hooks.h"
#include "hooks/pkt.h"
#include "platform/platform.h"

/* sk_msg_md offsets */
#define MD_DATA 0
#define MD_DATA_END 8
#define MD_SIZE 68
/* the largest buffer the helpers allocate: alloc_pages of order
 * MAX_PAGE_ORDER (10) on 4 KiB pages; more fails with -ENOMEM in Linux */
#define MSG_ALLOC_MAX (4096u << 10)

int pbpf_msg_init(struct pbpf_msg *m, const uint8_t *bytes, uint32_t n)
{
    memset(m, 0, sizeof *m);
    uint8_t *b = pbpf_malloc(n ? n : 1);
    if (!b)
        return -ENOMEM;
    memcpy(b, bytes, n);
    m->el[0].buf = b;
    m->el[0].len = n;
    m->n = 1;
    m->size = n;
    m->data = b;
    m->data_end = b + n;
    return 0;
}

void pbpf_msg_copy_out(const struct pbpf_msg *m, uint8_t *out)
{
    for (unsigned i = 0; i < m->n; i++) {
        memcpy(out, m->el[i].buf, m->el[i].len);
        out += m->el[i].len;
    }
}

void pbpf_msg_free(struct pbpf_msg *m)
{
    for (unsigned i = 0; i < m->n; i++)
        pbpf_free(m->el[i].buf);
    m->n = 0;
}

void pbpf_msg_sync(struct pbpf_pkt *p)
{
    struct pbpf_msg *m = p->msg;
    uint64_t v = (uint64_t)(uintptr_t)m->data;
    memcpy(m->md + MD_DATA, &v, 8);
    v = (uint64_t)(uintptr_t)m->data_end;
    memcpy(m->md + MD_DATA_END, &v, 8);
    memcpy(m->md + MD_SIZE, &m->size, 4);
    if (p->region) {
        p->run->regions[p->region].start = (uintptr_t)m->data;
        p->run->regions[p->region].end = (uintptr_t)m->data_end;
    }
}

/* sk_msg_compute_data_pointers: the window is the first element (an
 * empty message has none: data and data_end are both 0) */
static void msg_window_first(struct pbpf_msg *m)
{
    if (m->n) {
        m->data = m->el[0].buf;
        m->data_end = m->data + m->el[0].len;
    } else {
        m->data = m->data_end = NULL;
    }
}

/* The element holding byte `start` (the search loop the three helpers
 * share): its index, with *offset the bytes before it and *l its length;
 * when no element holds it, m->n with *offset + *l the message's size. */
static unsigned msg_find(const struct pbpf_msg *m, uint32_t start, uint32_t *offset, uint32_t *l)
{
    uint32_t off = 0, len = 0;
    unsigned i = 0;
    for (; i < m->n; i++) {
        off += len;
        len = m->el[i].len;
        if (start < off + len)
            break;
    }
    *offset = off;
    *l = len;
    return i;
}

/* Makes room for one element at index i (the ones from i move up). */
static void msg_open_slot(struct pbpf_msg *m, unsigned i)
{
    memmove(&m->el[i + 1], &m->el[i], (m->n - i) * sizeof m->el[0]);
    m->el[i].buf = NULL;
    m->el[i].len = 0;
    m->n++;
}

static void msg_remove(struct pbpf_msg *m, unsigned i)
{
    pbpf_free(m->el[i].buf);
    memmove(&m->el[i], &m->el[i + 1], (m->n - i - 1) * sizeof m->el[0]);
    m->n--;
    m->el[m->n].buf = NULL;
    m->el[m->n].len = 0;
}

/* The run's message, or NULL after stopping the run. */
static struct pbpf_pkt *msg_of(struct pbpf_run_ctx *ctx, uint64_t r1, const char *helper)
{
    struct pbpf_pkt *p = ctx->hook;
    char msg[128];
    if (!p || p->kind != PBPF_PKT_MSG) {
        snprintf(msg, sizeof msg, "bpf_%s: the program was not run on a message by a hook",
                 helper);
        pbpf_run_ctx_abort(ctx, -EINVAL, msg);
        return NULL;
    }
    if ((uintptr_t)r1 != (uintptr_t)p->msg->md) {
        snprintf(msg, sizeof msg, "bpf_%s: R1 is not the context", helper);
        pbpf_run_ctx_abort(ctx, -EFAULT, msg);
        return NULL;
    }
    return p;
}

/* bpf_msg_apply_bytes: the verdict applies to the next `bytes` bytes (the
 * socket layer reads it after the run; the test run reports it) */
static uint64_t h_msg_apply_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                  uint64_t r5, struct pbpf_run_ctx *ctx)
{
    struct pbpf_pkt *p = msg_of(ctx, r1, "msg_apply_bytes");
    if (p)
        p->msg->apply_bytes = (uint32_t)r2;
    return 0;
}

/* bpf_msg_cork_bytes: hold the verdict until `bytes` bytes are queued */
static uint64_t h_msg_cork_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                 uint64_t r5, struct pbpf_run_ctx *ctx)
{
    struct pbpf_pkt *p = msg_of(ctx, r1, "msg_cork_bytes");
    if (p)
        p->msg->cork_bytes = (uint32_t)r2;
    return 0;
}

/* bpf_msg_pull_data(msg, start, end, flags): the window becomes bytes
 * [start, end) of the message; when they span elements, those elements
 * (whole) become one.  -EINVAL for flags, an empty or reversed range, or
 * one past the message. */
static int msg_pull(struct pbpf_msg *m, uint32_t start, uint32_t end, uint64_t flags)
{
    uint32_t offset, l;
    if (flags || end <= start)
        return -EINVAL;
    uint32_t bytes = end - start;
    unsigned i = msg_find(m, start, &offset, &l);
    if (i == m->n)
        return -EINVAL;
    uint64_t total = (uint64_t)(start - offset) + bytes;
    if (total > l) {
        /* the elements from i until `total` bytes are covered */
        uint64_t copy = 0;
        unsigned last = i;
        do {
            copy += m->el[last].len;
            last++;
        } while (total > copy && last != m->n);
        if (total > copy)
            return -EINVAL;
        if (copy > MSG_ALLOC_MAX)
            return -ENOMEM;
        uint8_t *raw = pbpf_malloc((size_t)copy);
        if (!raw)
            return -ENOMEM;
        size_t at = 0;
        for (unsigned j = i; j < last; j++) {
            memcpy(raw + at, m->el[j].buf, m->el[j].len);
            at += m->el[j].len;
        }
        for (unsigned j = last; j-- > i + 1;)
            msg_remove(m, j);
        pbpf_free(m->el[i].buf);
        m->el[i].buf = raw;
        m->el[i].len = (uint32_t)copy;
    }
    m->data = m->el[i].buf + (start - offset);
    m->data_end = m->data + bytes;
    return 0;
}

/* bpf_msg_push_data(msg, start, len, flags): len zeroed bytes inserted at
 * start (start may be the message's end).  With a free element the new
 * bytes get one of their own and an element they fall inside is split
 * around them (two free elements needed then); otherwise the element
 * they fall into is copied whole with them inserted.  The window is then
 * the first element.  -EINVAL for flags or a start past the end. */
static int msg_push(struct pbpf_msg *m, uint32_t start, uint32_t len, uint64_t flags)
{
    uint32_t offset, l;
    if (flags)
        return -EINVAL;
    if (!len)
        return 0;
    unsigned i = msg_find(m, start, &offset, &l);
    if ((uint64_t)start > (uint64_t)offset + l)
        return -EINVAL;
    if ((uint64_t)m->size + len > MSG_ALLOC_MAX)
        return -ENOMEM; /* pbpf's bound on a message (see the top) */
    unsigned space = PBPF_MSG_MAX_FRAGS - m->n;
    int copy = i < m->n && (!space || (space == 1 && start != offset));
    if (i == m->n && !space) {
        /* At the end (start == size) Linux reads the length of the free
         * slot after the last element, 0, and takes a slot even when
         * none is left; pbpf copies into the last element instead. */
        copy = 1;
        i = m->n - 1;
    }
    if ((uint64_t)(copy ? m->el[i].len : 0) + len > MSG_ALLOC_MAX)
        return -ENOMEM;
    if (copy) {
        struct pbpf_msg_elem *e = &m->el[i];
        uint32_t front = start - offset;
        uint8_t *raw = pbpf_calloc(1, (size_t)e->len + len);
        if (!raw)
            return -ENOMEM;
        memcpy(raw, e->buf, front);
        memcpy(raw + front + len, e->buf + front, e->len - front);
        pbpf_free(e->buf);
        e->buf = raw;
        e->len += len;
    } else {
        uint8_t *nb = pbpf_calloc(1, len);
        if (!nb)
            return -ENOMEM;
        unsigned at = i;
        if (i < m->n && start != offset) {
            /* split element i: its front stays, its back follows the
             * new bytes */
            uint32_t a = start - offset, b = m->el[i].len - a;
            uint8_t *back = pbpf_malloc(b);
            if (!back) {
                pbpf_free(nb);
                return -ENOMEM;
            }
            memcpy(back, m->el[i].buf + a, b);
            m->el[i].len = a;
            msg_open_slot(m, i + 1);
            m->el[i + 1].buf = back;
            m->el[i + 1].len = b;
            at = i + 1;
        }
        msg_open_slot(m, at);
        m->el[at].buf = nb;
        m->el[at].len = len;
    }
    m->size += len;
    msg_window_first(m);
    return 0;
}

/* bpf_msg_pop_data(msg, start, len, flags): bytes [start, start + len)
 * removed; an element they fall inside keeps its front and back (split
 * in two when an element is free, else copied into one); elements they
 * cover go.  The window is then the first element.  -EINVAL for flags, a
 * start past the message or a range past its end (the sum in 64 bits:
 * Linux 6.18's u32 sum wraps, a bug fixed since). */
static int msg_pop(struct pbpf_msg *m, uint32_t start, uint32_t len, uint64_t flags)
{
    uint32_t offset, l;
    if (flags)
        return -EINVAL;
    if (!len)
        return 0;
    unsigned i = msg_find(m, start, &offset, &l);
    uint64_t last = (uint64_t)start + len;
    if (i == m->n || last > m->size)
        return -EINVAL;
    unsigned space = PBPF_MSG_MAX_FRAGS - m->n;
    uint32_t pop = len;
    if (start != offset) {
        struct pbpf_msg_elem *e = &m->el[i];
        uint32_t a = start - offset;
        int64_t b = (int64_t)e->len - pop - a;
        if (b > 0) {
            uint8_t *back = pbpf_malloc(space ? (size_t)b : (size_t)a + (size_t)b);
            if (!back)
                return -ENOMEM;
            if (space) {
                memcpy(back, e->buf + a + pop, (size_t)b);
                e->len = a;
                msg_open_slot(m, i + 1);
                m->el[i + 1].buf = back;
                m->el[i + 1].len = (uint32_t)b;
            } else {
                memcpy(back, e->buf, a);
                memcpy(back + a, e->buf + a + pop, (size_t)b);
                pbpf_free(e->buf);
                e->buf = back;
                e->len = a + (uint32_t)b;
            }
            pop = 0;
        } else {
            pop -= e->len - a;
            e->len = a;
        }
        i++;
    }
    while (pop) {
        struct pbpf_msg_elem *e = &m->el[i];
        if (pop < e->len) {
            memmove(e->buf, e->buf + pop, e->len - pop);
            e->len -= pop;
            pop = 0;
        } else {
            pop -= e->len;
            msg_remove(m, i);
        }
    }
    m->size -= len;
    msg_window_first(m);
    return 0;
}

static uint64_t h_msg_pull_data(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                struct pbpf_run_ctx *ctx)
{
    struct pbpf_pkt *p = msg_of(ctx, r1, "msg_pull_data");
    if (!p)
        return 0;
    int err = msg_pull(p->msg, (uint32_t)r2, (uint32_t)r3, r4);
    pbpf_msg_sync(p);
    return (uint64_t)(int64_t)err;
}

static uint64_t h_msg_push_data(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                struct pbpf_run_ctx *ctx)
{
    struct pbpf_pkt *p = msg_of(ctx, r1, "msg_push_data");
    if (!p)
        return 0;
    int err = msg_push(p->msg, (uint32_t)r2, (uint32_t)r3, r4);
    pbpf_msg_sync(p);
    return (uint64_t)(int64_t)err;
}

static uint64_t h_msg_pop_data(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                               struct pbpf_run_ctx *ctx)
{
    struct pbpf_pkt *p = msg_of(ctx, r1, "msg_pop_data");
    if (!p)
        return 0;
    int err = msg_pop(p->msg, (uint32_t)r2, (uint32_t)r3, r4);
    pbpf_msg_sync(p);
    return (uint64_t)(int64_t)err;
}

void pbpf_hooks_register_msg_helpers(struct pbpf_runtime *rt)
{
    pbpf_runtime_set_helper(rt, 61, h_msg_apply_bytes, NULL);
    pbpf_runtime_set_helper(rt, 62, h_msg_cork_bytes, NULL);
    pbpf_runtime_set_helper(rt, 63, h_msg_pull_data, NULL);
    pbpf_runtime_set_helper(rt, 90, h_msg_push_data, NULL);
    pbpf_runtime_set_helper(rt, 91, h_msg_pop_data, NULL);
}
