/* bpf_timer: timers that live in map values and, when they expire, call a
 * subprogram of the program that set their callback (helpers 169-172,
 * Linux's kernel/bpf/helpers.c), and the runtime's timer service that
 * fires them.
 *
 * A timer is a struct pbpf_timer that bpf_timer_init creates for the
 * 16-byte struct bpf_timer of a map value.  The value's bytes hold
 * nothing: timers are found by the address of that field in a registry,
 * so that unverified (checked) code writing the field cannot forge one.
 * A timer goes when its value goes: deleted, replaced, overwritten by an
 * array update, or freed with its map (pbpf_timer_free_field).
 *
 * One service per runtime, created by the first bpf_timer_init, keeps the
 * armed timers by deadline (CLOCK_MONOTONIC).  Its thread, started by the
 * first bpf_timer_start unless the embedder fires timers itself
 * (pbpf_runtime_run_timers), runs each callback inside an epoch section
 * on an execution slot of its own, as a run of the callback's program.
 * One process-wide lock guards every timer and service. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"
#include "helpers/helpers.h"
#include "maps/map.h"
#include "platform/platform.h"

/* Linux's clock ids (include/uapi/linux/time.h) and bpf_timer_start's
 * flags (BPF_F_TIMER_ABS, BPF_F_TIMER_CPU_PIN). */
#define LINUX_CLOCK_REALTIME 0
#define LINUX_CLOCK_MONOTONIC 1
#define LINUX_CLOCK_BOOTTIME 7
#define TIMER_F_ABS 1u
#define TIMER_F_CPU_PIN 2u

struct pbpf_timer {
    struct pbpf_timer_service *svc;
    const void *field; /* the struct bpf_timer: the registry's key */
    struct pbpf_map *map;
    void *value;
    /* the callback: its program (a reference) and its address */
    struct pbpf_prog *prog;
    uint64_t cb;
    uint32_t clock;
    int pending;
    /* freed while its callback runs: the service frees it afterwards */
    int dead;
    /* the thread running its callback, + 1; 0: not running */
    uint64_t running;
    uint64_t deadline; /* monotonic ns */
    struct pbpf_timer *next;  /* the service's pending list */
    struct pbpf_timer *hnext; /* the registry's bucket */
    uint8_t key[];            /* what the callback gets as its key */
};

struct pbpf_timer_service {
    struct pbpf_runtime *rt; /* NULL once the runtime is gone */
    struct pbpf_thread *thread;
    int manual;
    int stop;
    uint32_t refs;              /* the runtime's, and one per timer */
    struct pbpf_timer *pending; /* by deadline */
};

/* --- the lock and the registry ------------------------------------------ */

#define REG_BUCKETS 1024
static struct pbpf_cond *g_cond;
static struct pbpf_timer *g_reg[REG_BUCKETS];

/* The process-wide lock, created on first use (never freed: it outlives
 * every runtime). */
static struct pbpf_cond *cond_get(void)
{
    struct pbpf_cond *c = __atomic_load_n(&g_cond, __ATOMIC_ACQUIRE);
    if (c)
        return c;
    if (pbpf_cond_new(&c))
        return NULL;
    struct pbpf_cond *cur = NULL;
    if (!__atomic_compare_exchange_n(&g_cond, &cur, c, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        pbpf_cond_free(c);
        c = cur;
    }
    return c;
}

static struct pbpf_timer **reg_bucket(const void *field)
{
    uintptr_t a = (uintptr_t)field >> 3;
    return &g_reg[(a ^ (a >> 10) ^ (a >> 20)) % REG_BUCKETS];
}

static struct pbpf_timer *reg_find(const void *field)
{
    for (struct pbpf_timer *t = *reg_bucket(field); t; t = t->hnext)
        if (t->field == field)
            return t;
    return NULL;
}

static void reg_remove(struct pbpf_timer *t)
{
    struct pbpf_timer **pp = reg_bucket(t->field);
    while (*pp != t)
        pp = &(*pp)->hnext;
    *pp = t->hnext;
}

static uint64_t self_id(void) { return pbpf_thread_id() + 1; }

static void unqueue(struct pbpf_timer *t)
{
    if (!t->pending)
        return;
    struct pbpf_timer **pp = &t->svc->pending;
    while (*pp != t)
        pp = &(*pp)->next;
    *pp = t->next;
    t->next = NULL;
    t->pending = 0;
}

static void enqueue(struct pbpf_timer *t)
{
    struct pbpf_timer **pp = &t->svc->pending;
    while (*pp && (*pp)->deadline <= t->deadline)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->pending = 1;
}

/* Frees a timer nobody can reach any more (lock held): its program
 * reference is the caller's to drop after unlocking; *free_svc tells
 * whether it was the service's last one. */
static struct pbpf_prog *timer_free(struct pbpf_timer *t, int *free_svc)
{
    struct pbpf_prog *p = t->prog;
    *free_svc = --t->svc->refs == 0;
    pbpf_free(t);
    return p;
}

/* --- the service -------------------------------------------------------- */

/* The runtime's service, created on first use (lock held). */
static struct pbpf_timer_service *service_get(struct pbpf_runtime *rt)
{
    if (rt->timers)
        return rt->timers;
    struct pbpf_timer_service *s = pbpf_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->rt = rt;
    s->refs = 1;
    s->manual = rt->manual_timers;
    rt->timers = s;
    return s;
}

/* Runs t's callback: called with the lock held and inside an epoch
 * section (the map value and the program stay while it runs); returns
 * with the lock held. */
static void fire(struct pbpf_cond *c, struct pbpf_timer_service *s, struct pbpf_timer *t)
{
    unqueue(t);
    struct pbpf_prog *prog = t->prog;
    if (!prog || !s->rt)
        return;
    pbpf_prog_get(prog); /* bpf_timer_set_callback may replace it meanwhile */
    t->running = self_id();
    struct pbpf_map *m = t->map;
    uint64_t args[5] = {(uint64_t)(uintptr_t)m, (uint64_t)(uintptr_t)t->key,
                        (uint64_t)(uintptr_t)t->value, 0, 0};
    uint64_t cb = t->cb;
    pbpf_cond_unlock(c);

    struct pbpf_run_ctx ctx;
    pbpf_run_ctx_init(&ctx, prog, NULL);
    if (prog->mode == PBPF_MODE_CHECKED) {
        /* region 0 is the callback's stack (the engine's); the program's
         * global data, then the key and the value */
        memset(&ctx.regions[0], 0, sizeof ctx.regions[0]);
        for (unsigned r = 0; r < prog->n_static_regions; r++)
            ctx.regions[ctx.nregions++] = prog->static_regions[r];
        ctx.nbase_regions = ctx.nregions;
        pbpf_run_ctx_add_region(&ctx, (void *)(uintptr_t)args[1], m->key_size, 0);
        pbpf_run_ctx_add_region(&ctx, (void *)(uintptr_t)args[2], m->value_size,
                                !(m->map_flags & PBPF_F_RDONLY_PROG));
    }
    uint64_t r0 = 0;
    /* a callback that fails just stops: nobody waits for its result (on
     * Linux the verifier has proved that it cannot fail) */
    (void)pbpf_call_async(&ctx, cb, args, &r0);

    pbpf_cond_lock(c);
    t->running = 0;
    struct pbpf_prog *drop = NULL;
    int free_svc = 0;
    if (t->dead)
        drop = timer_free(t, &free_svc); /* the runtime holds s: never its last */
    pbpf_cond_broadcast(c); /* a cancel or a map may wait for the callback */
    pbpf_cond_unlock(c);
    pbpf_prog_put_deferred(prog);
    if (drop)
        pbpf_prog_put_deferred(drop);
    pbpf_cond_lock(c);
}

/* Fires the timers due at now (lock held, inside an epoch section). */
static unsigned run_due(struct pbpf_cond *c, struct pbpf_timer_service *s, uint64_t now)
{
    unsigned n = 0;
    while (s->pending && s->pending->deadline <= now && !s->stop) {
        fire(c, s, s->pending);
        n++;
    }
    return n;
}

static void *service_thread(void *arg)
{
    struct pbpf_timer_service *s = arg;
    struct pbpf_cond *c = g_cond;
    pbpf_cond_lock(c);
    while (!s->stop) {
        uint64_t now = pbpf_time_mono_ns();
        if (s->pending && s->pending->deadline <= now) {
            /* enter the epoch before a timer is looked at: what it points
             * to cannot be reclaimed until the callback is done */
            pbpf_cond_unlock(c);
            pbpf_epoch_enter();
            pbpf_cond_lock(c);
            run_due(c, s, pbpf_time_mono_ns());
            pbpf_epoch_exit();
            continue;
        }
        pbpf_cond_wait(c, s->pending ? s->pending->deadline - now : UINT64_MAX);
    }
    pbpf_cond_unlock(c);
    return NULL;
}

int pbpf_runtime_run_timers(struct pbpf_runtime *rt, uint64_t now_ns)
{
    if (!rt)
        return -EINVAL;
    struct pbpf_cond *c = __atomic_load_n(&g_cond, __ATOMIC_ACQUIRE);
    if (!c)
        return 0; /* no timer was ever initialised */
    pbpf_epoch_enter();
    pbpf_cond_lock(c);
    struct pbpf_timer_service *s = rt->timers;
    int n = 0;
    if (s && !s->manual)
        n = -EBUSY;
    else if (s)
        n = (int)run_due(c, s, now_ns);
    pbpf_cond_unlock(c);
    pbpf_epoch_exit();
    return n;
}

void pbpf_timer_service_stop(struct pbpf_runtime *rt)
{
    struct pbpf_cond *c = __atomic_load_n(&g_cond, __ATOMIC_ACQUIRE);
    if (!c)
        return;
    pbpf_cond_lock(c);
    struct pbpf_timer_service *s = rt->timers;
    if (!s) {
        pbpf_cond_unlock(c);
        return;
    }
    rt->timers = NULL;
    s->stop = 1;
    s->rt = NULL;
    struct pbpf_thread *th = s->thread;
    s->thread = NULL;
    pbpf_cond_broadcast(c);
    pbpf_cond_unlock(c);
    if (th)
        pbpf_thread_join(th);
    /* armed timers stay with their values, never to fire again; the last
     * of them frees the service */
    pbpf_cond_lock(c);
    int free_it = --s->refs == 0;
    pbpf_cond_unlock(c);
    if (free_it)
        pbpf_free(s);
}

/* --- map values --------------------------------------------------------- */

void pbpf_timer_free_field(struct pbpf_map *m, void *value, int wait)
{
    struct pbpf_cond *c = __atomic_load_n(&g_cond, __ATOMIC_ACQUIRE);
    if (!c)
        return;
    const void *field = (const uint8_t *)value + m->timer_off;
    pbpf_cond_lock(c);
    struct pbpf_timer *t = reg_find(field);
    if (!t) {
        pbpf_cond_unlock(c);
        return;
    }
    /* bpf_timer_cancel_and_free(): unreachable now, cancelled */
    reg_remove(t);
    unqueue(t);
    if (wait && t->running != self_id())
        while (t->running)
            pbpf_cond_wait(c, UINT64_MAX); /* the value's memory goes */
    struct pbpf_timer_service *s = t->svc;
    struct pbpf_prog *drop = NULL;
    int free_svc = 0;
    if (t->running)
        t->dead = 1; /* its callback is on this thread: freed when it returns */
    else
        drop = timer_free(t, &free_svc);
    pbpf_cond_unlock(c);
    if (drop)
        pbpf_prog_put_deferred(drop);
    if (free_svc)
        pbpf_free(s);
}

/* --- helpers ------------------------------------------------------------ */

/* Checked runs: r1 must be the struct bpf_timer of a value of a map with
 * timers (the verifier proves it otherwise). */
static int timer_arg_ok(struct pbpf_run_ctx *ctx, uint64_t r1, const char *who)
{
    if (ctx->prog->mode != PBPF_MODE_CHECKED || pbpf_run_ctx_check_mem(ctx, r1, 16, 1))
        return 1;
    char msg[96];
    snprintf(msg, sizeof msg, "%s: r1 is not a struct bpf_timer in a map value", who);
    pbpf_run_ctx_abort(ctx, -EINVAL, msg);
    return 0;
}

/* bpf_timer_init(timer, map, flags): the flags are the clock.  Linux's
 * order: the clock, then -EBUSY when the timer exists. */
static uint64_t h_timer_init(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                             struct pbpf_run_ctx *ctx)
{
    (void)r4, (void)r5;
    struct pbpf_map *m = (struct pbpf_map *)(uintptr_t)r2;
    void *field = (void *)(uintptr_t)r1;
    if (!timer_arg_ok(ctx, r1, "bpf_timer_init"))
        return 0;
    if (ctx->prog->mode == PBPF_MODE_CHECKED && (!pbpf_map_is_live(m) || m->timer_off < 0)) {
        pbpf_run_ctx_abort(ctx, -EINVAL, "bpf_timer_init: r2 is not a map with bpf_timer values");
        return 0;
    }
    if (r3 != LINUX_CLOCK_REALTIME && r3 != LINUX_CLOCK_MONOTONIC && r3 != LINUX_CLOCK_BOOTTIME)
        return (uint64_t)-EINVAL;
    struct pbpf_timer *t = pbpf_calloc(1, sizeof *t + m->key_size);
    if (!t)
        return (uint64_t)-ENOMEM;
    t->field = field;
    t->map = m;
    t->value = (uint8_t *)field - m->timer_off;
    t->clock = (uint32_t)r3;
    if (pbpf_map_key_of_value(m, t->value, t->key)) {
        pbpf_free(t);
        pbpf_run_ctx_abort(ctx, -EINVAL, "bpf_timer_init: r1 is not the bpf_timer of a value of r2");
        return 0;
    }
    struct pbpf_cond *c = cond_get();
    if (!c) {
        pbpf_free(t);
        return (uint64_t)-ENOMEM;
    }
    pbpf_cond_lock(c);
    struct pbpf_timer_service *s = service_get(ctx->prog->rt);
    int rc = !s ? -ENOMEM : reg_find(field) ? -EBUSY : 0;
    /* __bpf_async_init(): a map only programs hold any more has had its
     * timers freed; new ones would keep it alive */
    if (!rc && __atomic_load_n(&m->refcnt, __ATOMIC_ACQUIRE) ==
                   __atomic_load_n(&m->prog_holders, __ATOMIC_ACQUIRE))
        rc = -EPERM;
    if (!rc) {
        t->svc = s;
        s->refs++;
        struct pbpf_timer **b = reg_bucket(field);
        t->hnext = *b;
        *b = t;
    }
    pbpf_cond_unlock(c);
    if (rc)
        pbpf_free(t);
    return (uint64_t)(int64_t)rc;
}

/* bpf_timer_set_callback(timer, callback): the program keeps a reference
 * (Linux: bpf_prog_inc once per program). */
static uint64_t h_timer_set_callback(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                     uint64_t r5, struct pbpf_run_ctx *ctx)
{
    (void)r3, (void)r4, (void)r5;
    if (!timer_arg_ok(ctx, r1, "bpf_timer_set_callback"))
        return 0;
    struct pbpf_cond *c = cond_get();
    if (!c)
        return (uint64_t)-EINVAL; /* no timer can exist */
    struct pbpf_prog *prog = ctx->prog, *prev = NULL;
    pbpf_cond_lock(c);
    struct pbpf_timer *t = reg_find((const void *)(uintptr_t)r1);
    if (t) {
        if (t->prog != prog) {
            prev = t->prog;
            pbpf_prog_get(prog);
            t->prog = prog;
        }
        t->cb = r2;
    }
    pbpf_cond_unlock(c);
    if (prev)
        pbpf_prog_put_deferred(prev);
    return t ? 0 : (uint64_t)-EINVAL;
}

static uint64_t clock_now(uint32_t clock)
{
    if (clock == LINUX_CLOCK_REALTIME)
        return pbpf_time_real_ns();
    if (clock == LINUX_CLOCK_BOOTTIME)
        return pbpf_time_boot_ns();
    return pbpf_time_mono_ns();
}

/* bpf_timer_start(timer, nsecs, flags): relative to now, or with
 * BPF_F_TIMER_ABS an absolute time of the timer's clock.  Starting an
 * armed timer moves it.  BPF_F_TIMER_CPU_PIN asks for the callback on the
 * caller's CPU: the service has one thread, which serves every slot. */
static uint64_t h_timer_start(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                              struct pbpf_run_ctx *ctx)
{
    (void)r4, (void)r5;
    if (!timer_arg_ok(ctx, r1, "bpf_timer_start"))
        return 0;
    if (r3 & ~(uint64_t)(TIMER_F_ABS | TIMER_F_CPU_PIN))
        return (uint64_t)-EINVAL;
    struct pbpf_cond *c = cond_get();
    if (!c)
        return (uint64_t)-EINVAL;
    pbpf_cond_lock(c);
    struct pbpf_timer *t = reg_find((const void *)(uintptr_t)r1);
    int rc = 0;
    if (!t || !t->prog) {
        rc = -EINVAL;
    } else {
        struct pbpf_timer_service *s = t->svc;
        uint64_t now = pbpf_time_mono_ns(), d;
        if (r3 & TIMER_F_ABS) {
            /* the same distance from now on the monotonic clock */
            uint64_t cnow = clock_now(t->clock);
            d = r2 > cnow ? now + (r2 - cnow) : now;
        } else {
            d = now + r2 < now ? UINT64_MAX : now + r2;
        }
        unqueue(t);
        t->deadline = d;
        enqueue(t);
        if (s->rt && !s->manual && !s->thread && !s->stop)
            rc = pbpf_thread_start(&s->thread, service_thread, s);
        if (rc)
            unqueue(t);
        pbpf_cond_broadcast(c);
    }
    pbpf_cond_unlock(c);
    return (uint64_t)(int64_t)rc;
}

/* bpf_timer_cancel(timer): 1 if it was armed, 0 if not; waits for a
 * callback running on another thread; -EDEADLK from its own callback
 * (hrtimer_cancel would wait for itself). */
static uint64_t h_timer_cancel(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                               struct pbpf_run_ctx *ctx)
{
    (void)r2, (void)r3, (void)r4, (void)r5;
    if (!timer_arg_ok(ctx, r1, "bpf_timer_cancel"))
        return 0;
    struct pbpf_cond *c = cond_get();
    if (!c)
        return (uint64_t)-EINVAL;
    const void *field = (const void *)(uintptr_t)r1;
    pbpf_cond_lock(c);
    struct pbpf_timer *t = reg_find(field);
    int rc;
    if (!t) {
        rc = -EINVAL;
    } else if (t->running == self_id()) {
        rc = -EDEADLK;
    } else {
        rc = t->pending;
        unqueue(t);
        while (t->running) {
            pbpf_cond_wait(c, UINT64_MAX);
            /* freed meanwhile (its value went): nothing left to wait for */
            t = reg_find(field);
            if (!t)
                break;
        }
    }
    pbpf_cond_unlock(c);
    return (uint64_t)(int64_t)rc;
}

void pbpf_helpers_register_timers(struct pbpf_runtime *rt)
{
    pbpf_runtime_set_helper(rt, 169, h_timer_init, NULL);
    pbpf_runtime_set_helper(rt, 170, h_timer_set_callback, NULL);
    pbpf_runtime_set_helper(rt, 171, h_timer_start, NULL);
    pbpf_runtime_set_helper(rt, 172, h_timer_cancel, NULL);
}
