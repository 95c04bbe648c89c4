/* Reading a Linux verifier log (header-only, so that tools which do not
 * link the kernel harness can use it too): the reason for a rejection and
 * the statistics lines. */
#ifndef PBPF_TESTS_KLOG_H
#define PBPF_TESTS_KLOG_H

#include <stdlib.h>
#include <string.h>

/* Whether a log line is one the verifier (or libbpf, around it) prints
 * beside the verdict and which says nothing about why a program was
 * rejected: the statistics after it ("processed 3 insns ...", "stack
 * depth 8", ...), libbpf's end marker, the precision back-tracking trace
 * ("mark_precise: ..."), and at log level 2 the per-function headers
 * ("Func#0 ...") and the state lines that follow a pruning point ("- "). */
static inline int klog_is_stats_line(const char *s, size_t n)
{
    static const char *const prefixes[] = {"processed ",
                                           "verification time",
                                           "stack depth",
                                           "mark_precise",
                                           "max_states_per_insn",
                                           "-- END PROG LOAD LOG --",
                                           "Func#",
                                           "- "};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t pl = strlen(prefixes[i]);
        if (n >= pl && memcmp(s, prefixes[i], pl) == 0)
            return 1;
    }
    return 0;
}

/* The reason for a rejection: the log's last line that is not a statistic,
 * cut to out_size - 1 bytes; "" when there is none. */
static inline void klog_reason(const char *log, char *out, size_t out_size)
{
    const char *end = log + strlen(log);
    out[0] = '\0';
    while (end > log) {
        while (end > log && (end[-1] == '\n' || end[-1] == ' '))
            end--;
        const char *start = end;
        while (start > log && start[-1] != '\n')
            start--;
        size_t n = (size_t)(end - start);
        if (n && !klog_is_stats_line(start, n)) {
            if (n >= out_size)
                n = out_size - 1;
            memcpy(out, start, n);
            out[n] = '\0';
            return;
        }
        end = start;
    }
}

/* "verification time N usec" and "processed N insns": -1 where absent. */
static inline void klog_stats(const char *log, long *verify_us, long *processed)
{
    const char *t = strstr(log, "verification time ");
    *verify_us = t ? strtol(t + 18, NULL, 10) : -1;
    t = strstr(log, "processed ");
    *processed = t ? strtol(t + 10, NULL, 10) : -1;
}

#endif
