/* C types whose layout the BTF tests read back: compiled into
 * btf_layout.bpf.o by clang -target bpf (BTF) and into the host test by the
 * host compiler (offsetof, sizeof, _Alignof, bit patterns), which is the
 * independent answer.  BPF and x86-64/arm64 Linux lay these out alike
 * (LP64, natural alignment). */
#ifndef PBPF_TEST_BTF_LAYOUT_H
#define PBPF_TEST_BTF_LAYOUT_H

struct lay_basic {
    char c;
    int i;
    long l;
    short s;
};

struct lay_bits {
    unsigned a : 3;
    unsigned b : 5;
    int c : 12;
    unsigned long long d : 40;
    char e;
    unsigned f : 1;
};

union lay_union {
    char c[7];
    long long ll;
    short s;
};

enum lay_enum { LAY_NEG = -1, LAY_FIVE = 5 };

struct lay_nested {
    struct lay_basic inner;
    union {
        int u_i;
        char u_c[6];
    };
    int arr[3][2];
    void *p;
    const volatile unsigned char cv;
    union lay_union un;
    enum lay_enum en;
    struct lay_bits bits[2];
};

struct lay_packed {
    char c;
    int i;
    long long ll;
} __attribute__((packed));

struct lay_tail {
    long long ll;
    char c;
};

/* X(type, member) for every member that is not a bitfield */
#define LAYOUT_MEMBERS(X)                                                                          \
    X(struct lay_basic, c)                                                                         \
    X(struct lay_basic, i)                                                                         \
    X(struct lay_basic, l)                                                                         \
    X(struct lay_basic, s)                                                                         \
    X(struct lay_bits, e)                                                                          \
    X(union lay_union, c)                                                                          \
    X(union lay_union, ll)                                                                         \
    X(union lay_union, s)                                                                          \
    X(struct lay_nested, inner)                                                                    \
    X(struct lay_nested, arr)                                                                      \
    X(struct lay_nested, p)                                                                        \
    X(struct lay_nested, cv)                                                                       \
    X(struct lay_nested, un)                                                                       \
    X(struct lay_nested, en)                                                                       \
    X(struct lay_nested, bits)                                                                     \
    X(struct lay_packed, c)                                                                        \
    X(struct lay_packed, i)                                                                        \
    X(struct lay_packed, ll)                                                                       \
    X(struct lay_tail, ll)                                                                         \
    X(struct lay_tail, c)

/* X(type, member) for the bitfields */
#define LAYOUT_BITFIELDS(X)                                                                        \
    X(struct lay_bits, a)                                                                          \
    X(struct lay_bits, b)                                                                          \
    X(struct lay_bits, c)                                                                          \
    X(struct lay_bits, d)                                                                          \
    X(struct lay_bits, f)

/* X(type, tag name) for every type whose size and alignment are checked */
#define LAYOUT_TYPES(X)                                                                            \
    X(struct lay_basic, lay_basic)                                                                 \
    X(struct lay_bits, lay_bits)                                                                   \
    X(union lay_union, lay_union)                                                                  \
    X(enum lay_enum, lay_enum)                                                                     \
    X(struct lay_nested, lay_nested)                                                               \
    X(struct lay_packed, lay_packed)                                                               \
    X(struct lay_tail, lay_tail)

#endif
