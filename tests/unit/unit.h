/* A minimal assertion set for the unit tests: each CHECK records a failure
 * (file, line, values) and lets the test go on, so one run reports every
 * broken expectation.  main() runs tests with UNIT_RUN and returns
 * unit_finish(). */
#ifndef PBPF_TESTS_UNIT_H
#define PBPF_TESTS_UNIT_H

#include <stdint.h>
#include <string.h>

/* mingw-w64: its C99 printf is the "gnu_printf" archetype (%zu, %llu) */
#if defined(__MINGW32__)
#define UNIT_PRINTF_FMT(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define UNIT_PRINTF_FMT(f, a) __attribute__((format(printf, f, a)))
#else
#define UNIT_PRINTF_FMT(f, a)
#endif

void unit_fail(const char *file, int line, const char *fmt, ...) UNIT_PRINTF_FMT(3, 4);
void unit_run(const char *name, void (*fn)(void));
int unit_finish(void);
/* failures recorded so far (all tests) */
int unit_failures(void);

#define UNIT_RUN(fn) unit_run(#fn, fn)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            unit_fail(__FILE__, __LINE__, "%s", #cond);                                            \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);             \
        if (a_ != b_)                                                                              \
            unit_fail(__FILE__, __LINE__, "%s == %s: 0x%llx (%lld) != 0x%llx (%lld)", #a, #b, a_, \
                      (long long)a_, b_, (long long)b_);                                           \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                     \
            unit_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,                    \
                      a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                     \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                                                \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        if (!h_ || !strstr(h_, n_))                                                                \
            unit_fail(__FILE__, __LINE__, "%s contains \"%s\": \"%s\"", #hay, n_,                  \
                      h_ ? h_ : "(null)");                                                         \
    } while (0)

#endif
