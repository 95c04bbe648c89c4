/* LPM_TRIE maps (Linux kernel/bpf/lpm_trie.c): longest-prefix match over
 * keys {u32 prefixlen; u8 data[]} (data big-endian bit order, as Linux).
 *
 * The same path-compressed binary trie as Linux: each node holds a prefix;
 * intermediate nodes (no value) join two subtrees.  Lookups walk child
 * pointers with acquire loads and no lock; updates hold the map lock and
 * publish new nodes with release stores; nodes taken out are freed by the
 * epoch reclaimer.  get_next_key walks in post-order (more specific
 * prefixes first), as Linux does. */
#include <errno.h>
#include <string.h>

#include "maps/map.h"
#include "platform/platform.h"

#define LPM_DATA_SIZE_MAX 256u
#define LPM_KEY_SIZE_MIN (4u + 1u)
#define LPM_KEY_SIZE_MAX (4u + LPM_DATA_SIZE_MAX)
#define LPM_CREATE_FLAG_MASK (PBPF_F_NO_PREALLOC | PBPF_F_NUMA_NODE | PBPF_MAP_ACCESS_MASK)
#define LPM_FLAG_IM 1u

struct lpm_node {
    struct lpm_node *child[2];
    uint32_t prefixlen;
    uint32_t flags;
    _Alignas(8) uint8_t data[]; /* data_size bytes, padded to 8, then the value */
};

/* A node's memory starts with its epoch node, which only writers and the
 * reclaimer touch; the node proper follows, so that what a lookup reads
 * (children, prefix length, flags, data) sits in one small span. */
#define LPM_EN_SPACE ((sizeof(struct pbpf_epoch_node) + 15) & ~(size_t)15)

static struct pbpf_epoch_node *node_en(struct lpm_node *n)
{
    return (struct pbpf_epoch_node *)(void *)((char *)n - LPM_EN_SPACE);
}

static void node_free(struct lpm_node *n)
{
    if (n)
        pbpf_free(node_en(n));
}

struct lpm_trie {
    struct pbpf_map m;
    struct lpm_node *root;
    uint32_t data_size, max_prefixlen, val_off;
    uint32_t n_entries;
    int lock;
};

static struct lpm_trie *T(struct pbpf_map *m) { return (struct lpm_trie *)m; }

static int lpm_alloc(const struct pbpf_map_create_opts *o, unsigned slots, struct pbpf_map **out)
{
    (void)slots;
    uint64_t val_max = PBPF_MAP_KMALLOC_MAX - LPM_DATA_SIZE_MAX - sizeof(struct lpm_node);
    if (o->max_entries == 0 || !(o->map_flags & PBPF_F_NO_PREALLOC) ||
        (o->map_flags & ~LPM_CREATE_FLAG_MASK) || !pbpf_map_access_ok(o->map_flags) ||
        o->key_size < LPM_KEY_SIZE_MIN || o->key_size > LPM_KEY_SIZE_MAX || o->value_size < 1 ||
        o->value_size > val_max)
        return -EINVAL;
    struct lpm_trie *t = pbpf_calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    t->data_size = o->key_size - 4;
    t->max_prefixlen = t->data_size * 8;
    t->val_off = pbpf_map_round8(t->data_size);
    *out = &t->m;
    return 0;
}

static void free_subtree(struct lpm_node *n)
{
    if (!n)
        return;
    free_subtree(n->child[0]);
    free_subtree(n->child[1]);
    node_free(n);
}

static void lpm_destroy(struct pbpf_map *m)
{
    free_subtree(T(m)->root);
    pbpf_free(m);
}

static uint32_t key_prefixlen(const void *key)
{
    uint32_t p;
    memcpy(&p, key, 4);
    return p;
}
static const uint8_t *key_data(const void *key) { return (const uint8_t *)key + 4; }

static int extract_bit(const uint8_t *data, uint32_t index)
{
    return !!(data[index / 8] & (1 << (7 - (index % 8))));
}

static struct lpm_node *load_child(struct lpm_node *n, int i)
{
    return __atomic_load_n(&n->child[i], __ATOMIC_ACQUIRE);
}

/* Big-endian loads: the first differing bit is then the highest one. */
static uint64_t load_be64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return v;
#else
    return __builtin_bswap64(v);
#endif
}

static uint32_t load_be32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return v;
#else
    return __builtin_bswap32(v);
#endif
}

/* Number of leading bits node and key share, up to both prefix lengths.
 * Compares 8, then 4, 2 and 1 bytes at a time and counts leading zeros of
 * the first difference (Linux: __longest_prefix_match). */
static uint32_t longest_prefix_match(const struct lpm_trie *t, const struct lpm_node *n,
                                     const void *key)
{
    uint32_t kp = key_prefixlen(key);
    uint32_t limit = n->prefixlen < kp ? n->prefixlen : kp;
    const uint8_t *a = n->data, *b = key_data(key);
    uint32_t ds = t->data_size, i = 0, bits = 0;
    for (; i + 8 <= ds; i += 8) {
        uint64_t x = load_be64(a + i) ^ load_be64(b + i);
        if (x) {
            bits = i * 8 + (uint32_t)__builtin_clzll(x);
            return bits < limit ? bits : limit;
        }
        if ((i + 8) * 8 >= limit)
            return limit;
    }
    if (i + 4 <= ds) {
        uint32_t x = load_be32(a + i) ^ load_be32(b + i);
        if (x) {
            bits = i * 8 + (uint32_t)__builtin_clz(x);
            return bits < limit ? bits : limit;
        }
        i += 4;
        if (i * 8 >= limit)
            return limit;
    }
    for (; i < ds; i++) {
        uint32_t x = (uint32_t)(a[i] ^ b[i]);
        if (x) {
            /* x sits in the low byte of an unsigned int */
            bits = i * 8 + (uint32_t)__builtin_clz(x) - (uint32_t)(sizeof(unsigned) * 8 - 8);
            return bits < limit ? bits : limit;
        }
        if ((i + 1) * 8 >= limit)
            return limit;
    }
    return limit;
}

/* Lookups of data up to 8 bytes (IPv4 and smaller keys): the key's data
 * as one left-aligned big-endian word, compared with each node's data
 * (zero-padded to 8 bytes in the node, so one load) by a single xor. */
static void *lookup_word(struct lpm_trie *t, const void *key)
{
    uint8_t buf[8] = {0};
    memcpy(buf, key_data(key), t->data_size);
    uint64_t kw = load_be64(buf);
    uint32_t kp = key_prefixlen(key), max = t->max_prefixlen;
    struct lpm_node *found = NULL;
    for (struct lpm_node *n = __atomic_load_n(&t->root, __ATOMIC_ACQUIRE); n;) {
        uint32_t np = n->prefixlen;
        uint64_t x = load_be64(n->data) ^ kw;
        uint32_t limit = np < kp ? np : kp;
        uint32_t matchlen = x ? (uint32_t)__builtin_clzll(x) : 64;
        if (matchlen > limit)
            matchlen = limit;
        if (matchlen == max) {
            found = n;
            break;
        }
        if (matchlen < np)
            break;
        if (!(__atomic_load_n(&n->flags, __ATOMIC_ACQUIRE) & LPM_FLAG_IM))
            found = n;
        /* np < max <= 64 here */
        n = load_child(n, (int)(kw >> (63 - np) & 1));
    }
    return found ? found->data + t->val_off : NULL;
}

static void *lpm_lookup(struct pbpf_map *m, const void *key, unsigned slot)
{
    (void)slot;
    struct lpm_trie *t = T(m);
    struct lpm_node *found = NULL;
    uint32_t max = t->max_prefixlen;
    const uint8_t *kd = key_data(key);
    if (key_prefixlen(key) > max)
        return NULL; /* trie_lookup_elem() */
    if (t->data_size <= 8)
        return lookup_word(t, key);
    for (struct lpm_node *n = __atomic_load_n(&t->root, __ATOMIC_ACQUIRE); n;) {
        uint32_t matchlen = longest_prefix_match(t, n, key);
        if (matchlen == max) {
            found = n;
            break;
        }
        if (matchlen < n->prefixlen)
            break;
        if (!(__atomic_load_n(&n->flags, __ATOMIC_ACQUIRE) & LPM_FLAG_IM))
            found = n;
        n = load_child(n, extract_bit(kd, n->prefixlen));
    }
    return found ? found->data + t->val_off : NULL;
}

static int lpm_copy_value(struct pbpf_map *m, const void *key, void *value)
{
    void *v = lpm_lookup(m, key, 0);
    if (!v)
        return -ENOENT;
    memcpy(value, v, m->value_size);
    return 0;
}

static struct lpm_node *node_new(struct lpm_trie *t, const void *value, uint32_t prefixlen,
                                 const uint8_t *data)
{
    size_t sz = LPM_EN_SPACE + sizeof(struct lpm_node) + t->val_off + (value ? t->m.value_size : 0);
    char *mem = pbpf_calloc(1, sz);
    if (!mem)
        return NULL;
    struct lpm_node *n = (struct lpm_node *)(void *)(mem + LPM_EN_SPACE);
    n->prefixlen = prefixlen;
    memcpy(n->data, data, t->data_size);
    if (value)
        memcpy(n->data + t->val_off, value, t->m.value_size);
    else
        n->flags = LPM_FLAG_IM;
    return n;
}

static void node_reclaimed(struct pbpf_epoch_node *en) { pbpf_free(en); }

static void node_retire(struct lpm_trie *t, struct lpm_node *n)
{
    pbpf_epoch_retire(node_en(n), t, node_reclaimed);
}

static void publish(struct lpm_node **slot, struct lpm_node *n)
{
    __atomic_store_n(slot, n, __ATOMIC_RELEASE);
}

/* trie_check_add_elem() */
static int check_add(struct lpm_trie *t, uint64_t flags)
{
    if (flags == PBPF_EXIST)
        return -ENOENT;
    if (t->n_entries == t->m.max_entries)
        return -ENOSPC;
    t->n_entries++;
    return 0;
}

/* trie_update_elem() */
static int lpm_update(struct pbpf_map *m, const void *key, const void *value, uint64_t flags,
                      int slot)
{
    (void)slot;
    struct lpm_trie *t = T(m);
    if (flags > PBPF_EXIST)
        return -EINVAL;
    uint32_t plen = key_prefixlen(key);
    if (plen > t->max_prefixlen)
        return -EINVAL;
    struct lpm_node *nn = node_new(t, value, plen, key_data(key));
    if (!nn)
        return -ENOMEM;
    pbpf_map_lock(&t->lock);
    int rc = 0;
    struct lpm_node **slotp = &t->root, *n;
    uint32_t matchlen = 0;
    while ((n = *slotp)) {
        matchlen = longest_prefix_match(t, n, key);
        if (n->prefixlen != matchlen || n->prefixlen == plen || n->prefixlen == t->max_prefixlen)
            break;
        slotp = &n->child[extract_bit(key_data(key), n->prefixlen)];
    }
    if (!n) {
        rc = check_add(t, flags);
        if (!rc)
            publish(slotp, nn);
        goto out;
    }
    if (n->prefixlen == matchlen && n->prefixlen == plen) {
        /* the same prefix: replace the node */
        if (!(n->flags & LPM_FLAG_IM)) {
            if (flags == PBPF_NOEXIST) {
                rc = -EEXIST;
                goto out;
            }
        } else {
            rc = check_add(t, flags);
            if (rc)
                goto out;
        }
        nn->child[0] = n->child[0];
        nn->child[1] = n->child[1];
        publish(slotp, nn);
        node_retire(t, n);
        goto out;
    }
    rc = check_add(t, flags);
    if (rc)
        goto out;
    if (matchlen == plen) {
        /* the new prefix covers n: n becomes its child */
        nn->child[extract_bit(n->data, matchlen)] = n;
        publish(slotp, nn);
        goto out;
    }
    /* they diverge at bit matchlen: join them under an intermediate node */
    struct lpm_node *im = node_new(t, NULL, matchlen, n->data);
    if (!im) {
        t->n_entries--;
        rc = -ENOMEM;
        goto out;
    }
    if (extract_bit(key_data(key), matchlen)) {
        im->child[0] = n;
        im->child[1] = nn;
    } else {
        im->child[0] = nn;
        im->child[1] = n;
    }
    publish(slotp, im);
out:
    pbpf_map_unlock(&t->lock);
    if (rc)
        node_free(nn);
    return rc;
}

/* trie_delete_elem(): exact prefix only. */
static int lpm_delete(struct pbpf_map *m, const void *key)
{
    struct lpm_trie *t = T(m);
    uint32_t plen = key_prefixlen(key);
    if (plen > t->max_prefixlen)
        return -EINVAL;
    pbpf_map_lock(&t->lock);
    struct lpm_node **trim = &t->root, **trim2 = trim, *parent = NULL, *n;
    uint32_t matchlen = 0;
    while ((n = *trim)) {
        matchlen = longest_prefix_match(t, n, key);
        if (n->prefixlen != matchlen || n->prefixlen == plen)
            break;
        parent = n;
        trim2 = trim;
        trim = &n->child[extract_bit(key_data(key), n->prefixlen)];
    }
    if (!n || n->prefixlen != plen || n->prefixlen != matchlen || (n->flags & LPM_FLAG_IM)) {
        pbpf_map_unlock(&t->lock);
        return -ENOENT;
    }
    t->n_entries--;
    if (n->child[0] && n->child[1]) {
        /* still joins two subtrees: keep it as an intermediate node */
        __atomic_store_n(&n->flags, n->flags | LPM_FLAG_IM, __ATOMIC_RELEASE);
    } else if (parent && (parent->flags & LPM_FLAG_IM) && !n->child[0] && !n->child[1]) {
        /* the intermediate parent would have one child: the sibling
         * takes its place */
        publish(trim2, parent->child[parent->child[0] == n ? 1 : 0]);
        node_retire(t, parent);
        node_retire(t, n);
    } else {
        publish(trim, n->child[0] ? n->child[0] : n->child[1]);
        node_retire(t, n);
    }
    pbpf_map_unlock(&t->lock);
    return 0;
}

static void copy_key(struct lpm_trie *t, const struct lpm_node *n, void *next)
{
    memcpy(next, &n->prefixlen, 4);
    memcpy((uint8_t *)next + 4, n->data, t->data_size);
}

/* trie_get_next_key(): post-order successor of the key's node; a key not
 * in the trie (or none) gives the first node in post-order. */
static int lpm_get_next_key(struct pbpf_map *m, const void *key, void *next)
{
    struct lpm_trie *t = T(m);
    struct lpm_node *search_root = __atomic_load_n(&t->root, __ATOMIC_ACQUIRE), *n, *next_node = NULL;
    if (!search_root)
        return -ENOENT;
    if (key && key_prefixlen(key) <= t->max_prefixlen) {
        struct lpm_node *stack[LPM_DATA_SIZE_MAX * 8 + 1];
        int sp = -1;
        uint32_t matchlen = 0, plen = key_prefixlen(key);
        n = search_root;
        while (n) {
            stack[++sp] = n;
            matchlen = longest_prefix_match(t, n, key);
            if (n->prefixlen != matchlen || n->prefixlen == plen)
                break;
            n = load_child(n, extract_bit(key_data(key), n->prefixlen));
        }
        if (n && n->prefixlen == matchlen && n->prefixlen == plen &&
            !(__atomic_load_n(&n->flags, __ATOMIC_ACQUIRE) & LPM_FLAG_IM)) {
            n = stack[sp];
            for (;;) {
                if (sp <= 0)
                    return -ENOENT;
                struct lpm_node *parent = stack[sp - 1];
                if (load_child(parent, 0) == n) {
                    search_root = load_child(parent, 1);
                    if (search_root)
                        break;
                }
                if (!(__atomic_load_n(&parent->flags, __ATOMIC_ACQUIRE) & LPM_FLAG_IM)) {
                    copy_key(t, parent, next);
                    return 0;
                }
                n = parent;
                sp--;
            }
        }
    }
    /* leftmost non-intermediate node in post-order */
    for (n = search_root; n;) {
        if (__atomic_load_n(&n->flags, __ATOMIC_ACQUIRE) & LPM_FLAG_IM) {
            n = load_child(n, 0);
        } else {
            next_node = n;
            n = load_child(n, 0);
            if (!n)
                n = load_child(next_node, 1);
        }
    }
    if (!next_node)
        return -ENOENT;
    copy_key(t, next_node, next);
    return 0;
}

const struct pbpf_map_ops pbpf_map_lpm_ops = {
    .alloc = lpm_alloc,
    .destroy = lpm_destroy,
    .lookup = lpm_lookup,
    .update = lpm_update,
    .delete = lpm_delete,
    .get_next_key = lpm_get_next_key,
    .copy_value = lpm_copy_value,
};
