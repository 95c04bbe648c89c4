/* Types that are hard to write back as C: compiled by clang -target bpf -g,
 * dumped by `pbpf btf dump ... format c`, and the dump compiled and
 * checked against this object's BTF (tests/compat/btf_dump_c.sh).  Every
 * type is reached from the global `all`, so clang writes its BTF. */
typedef unsigned long long u64;
typedef u64 u64_alias;
typedef int (*cmp_fn)(const void *a, const void *b);
typedef void (*handler_t)(int sig, void (*cb)(long), char *(*pick)(int));

struct cyc_b;
struct cyc_a {
    struct cyc_b *b;
    int v;
};
struct cyc_b {
    struct cyc_a a; /* by value: cyc_a before cyc_b */
    struct cyc_b *next;
};

enum small8 : unsigned char { S8_A, S8_B = 200 };
enum __attribute__((packed)) small16 { S16_A = 300 };
enum big64 { B64_LOW = 1, B64_HIGH = 0x123456789ULL };
enum neg64 { N64 = -0x123456789LL };

struct aligned_in {
    char c;
    int x __attribute__((aligned(16)));
    char tail;
} __attribute__((aligned(32)));

union __attribute__((aligned(16))) aligned_union {
    int i;
    char c[3];
};

struct packed_bits {
    char c;
    unsigned int a : 3;
    unsigned long long b : 50;
    short s;
    unsigned int z : 30;
} __attribute__((packed));

struct gap_bits {
    unsigned int a : 4;
    unsigned int : 0;
    unsigned int b : 4;
    unsigned char : 3;
    unsigned char c : 5;
    long long : 64;
    int d;
};

struct funcs {
    cmp_fn cmp;
    handler_t h;
    int (*arr_fn[4])(int);
    int (*(*fp_ret_fp)(void))(char);
    int (*parr)[5];
    const char *const names[2];
    volatile int *volatile vp;
    void (*varargs)(const char *fmt, ...);
};

struct anon_users {
    union {
        struct {
            int x, y;
        };
        u64 xy;
    };
    struct {
        enum { AU_ONE = 1, AU_TWO } kind : 8;
        unsigned flags : 24;
    } hdr;
    enum { SHARED_A = 7, SHARED_B } s1, s2;
    int flex[];
};

typedef struct {
    int a;
    struct cyc_b b;
} anon_typedef_t;

typedef union {
    u64_alias v;
    char bytes[8];
} anon_union_t;

struct nested_arr {
    anon_typedef_t t[2][3];
    anon_union_t u;
    struct aligned_in ai[2];
    union aligned_union au;
    char after;
    enum small8 e8;
    enum small16 e16;
    enum big64 e64;
    enum neg64 n64;
    struct packed_bits pb;
    struct gap_bits gb;
    __int128 i128;
    _Bool flag;
    float f;
    double d;
    struct funcs fn;
    struct anon_users *au_ptr;
    struct opaque *opq;
    union opaque_u *opu;
    struct cyc_a ca;
};

struct nested_arr all;

struct trace_ctx {
    unsigned long long pad;
};

__attribute__((section("tracepoint/x"), used)) int prog(struct trace_ctx *ctx)
{
    return all.after + (ctx->pad != 0);
}

char _license[] __attribute__((section("license"), used)) = "GPL";
