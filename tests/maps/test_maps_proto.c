/* The helper prototype table (src/helpers/proto.h): argument and return
 * kinds of helpers as Linux declares them, which program types may call
 * which helper, and pbpf_prog_load refusing a helper outside the program
 * type's set with Linux's message. */
#include "maps_test.h"

#include "helpers/helpers.h"
#include "helpers/proto.h"

enum { PT_SOCKET_FILTER = 1, PT_KPROBE = 2, PT_SCHED_CLS = 3, PT_TRACEPOINT = 5, PT_XDP = 6,
       PT_CGROUP_SKB = 8, PT_RAW_TRACEPOINT = 17 };

static void check_row(uint32_t id, int ret, int a1, int a2, int a3, int a4, int a5, uint32_t flags)
{
    const struct pbpf_helper_proto *p = pbpf_helper_proto(id);
    CHECK(p != NULL);
    if (!p) {
        fprintf(stderr, "  no prototype for helper %u\n", id);
        return;
    }
    CHECK_EQ(p->id, id);
    CHECK_EQ(p->ret, ret);
    CHECK_EQ(p->args[0], a1);
    CHECK_EQ(p->args[1], a2);
    CHECK_EQ(p->args[2], a3);
    CHECK_EQ(p->args[3], a4);
    CHECK_EQ(p->args[4], a5);
    CHECK_EQ(p->flags & (PBPF_PROTO_GPL_ONLY | PBPF_PROTO_ACQUIRE | PBPF_PROTO_RELEASE), flags);
}

/* Kinds as in Linux's bpf_func_proto definitions (kernel/bpf/helpers.c,
 * kernel/trace/bpf_trace.c, kernel/bpf/ringbuf.c, kernel/bpf/queue_stack_maps.c). */
static void test_rows(void)
{
    enum { N = PBPF_ARG_NONE, ANY = PBPF_ARG_ANYTHING, MAP = PBPF_ARG_CONST_MAP_PTR,
           GPL = PBPF_PROTO_GPL_ONLY };
    check_row(1, PBPF_RET_PTR_TO_MAP_VALUE_OR_NULL, MAP, PBPF_ARG_PTR_TO_MAP_KEY, N, N, N, 0);
    check_row(2, PBPF_RET_INTEGER, MAP, PBPF_ARG_PTR_TO_MAP_KEY, PBPF_ARG_PTR_TO_MAP_VALUE, ANY, N,
              0);
    check_row(3, PBPF_RET_INTEGER, MAP, PBPF_ARG_PTR_TO_MAP_KEY, N, N, N, 0);
    check_row(4, PBPF_RET_INTEGER, PBPF_ARG_PTR_TO_UNINIT_MEM, PBPF_ARG_CONST_SIZE_OR_ZERO, ANY,
              N, N, GPL);
    check_row(6, PBPF_RET_INTEGER, PBPF_ARG_PTR_TO_MEM, PBPF_ARG_CONST_SIZE, N, N, N, GPL);
    check_row(14, PBPF_RET_INTEGER, N, N, N, N, N, 0);
    check_row(15, PBPF_RET_INTEGER, N, N, N, N, N, 0);
    check_row(16, PBPF_RET_INTEGER, PBPF_ARG_PTR_TO_UNINIT_MEM, PBPF_ARG_CONST_SIZE, N, N, N, 0);
    check_row(25, PBPF_RET_INTEGER, PBPF_ARG_PTR_TO_CTX, MAP, ANY, PBPF_ARG_PTR_TO_MEM,
              PBPF_ARG_CONST_SIZE_OR_ZERO, GPL);
    check_row(45, PBPF_RET_INTEGER, PBPF_ARG_PTR_TO_UNINIT_MEM, PBPF_ARG_CONST_SIZE_OR_ZERO, ANY,
              N, N, GPL);
    check_row(87, PBPF_RET_INTEGER, MAP, PBPF_ARG_PTR_TO_MAP_VALUE, ANY, N, N, 0);
    check_row(88, PBPF_RET_INTEGER, MAP, PBPF_ARG_PTR_TO_UNINIT_MAP_VALUE, N, N, N, 0);
    check_row(89, PBPF_RET_INTEGER, MAP, PBPF_ARG_PTR_TO_UNINIT_MAP_VALUE, N, N, N, 0);
    check_row(93, PBPF_RET_VOID, PBPF_ARG_PTR_TO_SPIN_LOCK, N, N, N, N, 0);
    check_row(94, PBPF_RET_VOID, PBPF_ARG_PTR_TO_SPIN_LOCK, N, N, N, N, 0);
    check_row(105, PBPF_RET_INTEGER, PBPF_ARG_PTR_TO_MEM, PBPF_ARG_CONST_SIZE, ANY,
              PBPF_ARG_PTR_TO_LONG, N, 0);
    check_row(106, PBPF_RET_INTEGER, PBPF_ARG_PTR_TO_MEM, PBPF_ARG_CONST_SIZE, ANY,
              PBPF_ARG_PTR_TO_LONG, N, 0);
    for (uint32_t id = 112; id <= 115; id++)
        check_row(id, PBPF_RET_INTEGER, PBPF_ARG_PTR_TO_UNINIT_MEM, PBPF_ARG_CONST_SIZE_OR_ZERO,
                  ANY, N, N, GPL);
    check_row(118, PBPF_RET_INTEGER, N, N, N, N, N, 0);
    check_row(130, PBPF_RET_INTEGER, MAP, PBPF_ARG_PTR_TO_MEM, PBPF_ARG_CONST_SIZE_OR_ZERO, ANY, N,
              0);
    check_row(131, PBPF_RET_PTR_TO_ALLOC_MEM_OR_NULL, MAP, PBPF_ARG_CONST_ALLOC_SIZE_OR_ZERO, ANY,
              N, N, PBPF_PROTO_ACQUIRE);
    check_row(132, PBPF_RET_VOID, PBPF_ARG_PTR_TO_ALLOC_MEM, ANY, N, N, N, PBPF_PROTO_RELEASE);
    check_row(133, PBPF_RET_VOID, PBPF_ARG_PTR_TO_ALLOC_MEM, ANY, N, N, N, PBPF_PROTO_RELEASE);
    check_row(134, PBPF_RET_INTEGER, MAP, ANY, N, N, N, 0);
    check_row(165, PBPF_RET_INTEGER, PBPF_ARG_PTR_TO_RW_MEM_OR_NULL, PBPF_ARG_CONST_SIZE_OR_ZERO,
              PBPF_ARG_PTR_TO_CONST_STR, PBPF_ARG_PTR_TO_MEM_OR_NULL, PBPF_ARG_CONST_SIZE_OR_ZERO,
              GPL);
    check_row(182, PBPF_RET_INTEGER, PBPF_ARG_PTR_TO_MEM, PBPF_ARG_CONST_SIZE,
              PBPF_ARG_PTR_TO_CONST_STR, N, N, 0);
    for (uint32_t id = 5; id <= 8; id += 2)
        check_row(id, PBPF_RET_INTEGER, N, N, N, N, N, 0);
    /* no prototype: unspec, out of range, helpers without meaning here */
    CHECK(pbpf_helper_proto(0) == NULL);
    CHECK(pbpf_helper_proto(PBPF_LINUX_HELPER_MAX + 1) == NULL);
    CHECK(pbpf_helper_proto(35) == NULL); /* get_current_task */
    CHECK(pbpf_helper_proto(UINT32_MAX) == NULL);
}

/* Every row has a Linux name, an id matching its index and a sound shape
 * (arguments packed from the left; a size follows a memory argument). */
static void test_table_shape(void)
{
    int rows = 0;
    for (uint32_t id = 1; id <= PBPF_LINUX_HELPER_MAX; id++) {
        const struct pbpf_helper_proto *p = pbpf_helper_proto(id);
        if (!p)
            continue;
        rows++;
        CHECK(pbpf_helper_name(id) != NULL);
        int ended = 0;
        for (int a = 0; a < 5; a++) {
            int k = p->args[a];
            if (k == PBPF_ARG_NONE)
                ended = 1;
            else if (ended) {
                fprintf(stderr, "  helper %u: argument %d after a missing one\n", id, a + 1);
                CHECK(0);
            }
            int is_size = k == PBPF_ARG_CONST_SIZE || k == PBPF_ARG_CONST_SIZE_OR_ZERO;
            if (is_size) {
                int prev = a ? p->args[a - 1] : PBPF_ARG_NONE;
                int mem = prev == PBPF_ARG_PTR_TO_MEM || prev == PBPF_ARG_PTR_TO_MEM_OR_NULL ||
                          prev == PBPF_ARG_PTR_TO_UNINIT_MEM ||
                          prev == PBPF_ARG_PTR_TO_RW_MEM_OR_NULL;
                if (!mem)
                    fprintf(stderr, "  helper %u: size argument %d follows no memory\n", id, a + 1);
                CHECK(mem);
            }
        }
    }
    CHECK(rows >= 30);
}

/* Scopes as a privileged loader sees them on Linux 6.x (the kernel refuses
 * the calls marked 0 with "program of this type cannot use helper"). */
static void test_scopes(void)
{
    static const struct {
        uint32_t id, prog_type;
        int allowed;
    } cases[] = {
        {1, PT_SOCKET_FILTER, 1}, {1, PT_KPROBE, 1}, {1, PT_XDP, 1},
        {4, PT_KPROBE, 1}, {4, PT_TRACEPOINT, 1}, {4, PT_RAW_TRACEPOINT, 1},
        {4, PT_SOCKET_FILTER, 0}, {4, PT_XDP, 0}, {4, PT_SCHED_CLS, 0},
        {45, PT_KPROBE, 1}, {45, PT_CGROUP_SKB, 0},
        {113, PT_SOCKET_FILTER, 1}, {113, PT_XDP, 1},
        {6, PT_XDP, 1}, {14, PT_SCHED_CLS, 1}, {16, PT_XDP, 1}, {118, PT_SOCKET_FILTER, 1},
        {160, PT_SOCKET_FILTER, 1}, {160, PT_XDP, 1}, {160, PT_KPROBE, 0},
        {160, PT_TRACEPOINT, 0}, {160, PT_RAW_TRACEPOINT, 0},
        {5, PT_KPROBE, 1}, {25, PT_XDP, 1}, {25, PT_KPROBE, 1}, {25, PT_SOCKET_FILTER, 1},
    };
    for (size_t i = 0; i < MT_LEN(cases); i++) {
        int got = pbpf_helper_allowed(pbpf_helper_proto(cases[i].id), cases[i].prog_type);
        if (got != cases[i].allowed)
            fprintf(stderr, "  helper %u in program type %u: %d, expected %d\n", cases[i].id,
                    cases[i].prog_type, got, cases[i].allowed);
        CHECK_EQ(got, cases[i].allowed);
    }
    /* unspecified program type: pbpf's own programs may call any helper */
    CHECK_EQ(pbpf_helper_allowed(pbpf_helper_proto(4), 0), 1);
    CHECK_EQ(pbpf_helper_allowed(NULL, PT_XDP), 0);
}

static void test_load_refusal(void)
{
    struct pbpf_runtime *rt = NULL;
    CHECK_EQ(pbpf_runtime_new(NULL, &rt), 0);
    const struct pbpf_insn prog[] = {I_CALL(160), I_EXIT()};
    char log[256] = "";
    PBPF_OPTS(pbpf_prog_opts, po, .prog_type = PT_KPROBE, .log_buf = log, .log_size = sizeof log);
    struct pbpf_prog *p = NULL;
    CHECK_EQ(pbpf_prog_load(rt, prog, MT_LEN(prog), &po, &p), -EINVAL);
    CHECK(p == NULL);
    CHECK(strstr(log, "insn 0: program of this type cannot use helper bpf_ktime_get_coarse_ns#160") !=
          NULL);
    /* the same program as a socket filter, and as an untyped program */
    po.prog_type = PT_SOCKET_FILTER;
    CHECK_EQ(pbpf_prog_load(rt, prog, MT_LEN(prog), &po, &p), 0);
    pbpf_prog_free(p);
    p = NULL;
    po.prog_type = 0;
    CHECK_EQ(pbpf_prog_load(rt, prog, MT_LEN(prog), &po, &p), 0);
    pbpf_prog_free(p);
    p = NULL;
    /* a helper this runtime does not have */
    const struct pbpf_insn task[] = {I_CALL(35), I_EXIT()};
    po.prog_type = PT_KPROBE;
    CHECK_EQ(pbpf_prog_load(rt, task, MT_LEN(task), &po, &p), -EINVAL);
    CHECK(strstr(log, "helper 35 (bpf_get_current_task) is not available for this runtime") !=
          NULL);
    pbpf_runtime_free(rt);
}

int main(void)
{
    test_rows();
    test_table_shape();
    test_scopes();
    test_load_refusal();
    return mt_report("maps_proto");
}
