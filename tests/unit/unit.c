/* The unit-test runner behind unit.h. */
#include "unit.h"

#include <stdarg.h>
#include <stdio.h>

static int failures;
static int tests_run, tests_failed;
static const char *current = "?";

void unit_fail(const char *file, int line, const char *fmt, ...)
{
    failures++;
    fprintf(stderr, "%s:%d: [%s] check failed: ", file, line, current);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void unit_run(const char *name, void (*fn)(void))
{
    int before = failures;
    current = name;
    fn();
    tests_run++;
    if (failures != before)
        tests_failed++;
    printf("%-4s %s\n", failures == before ? "ok" : "FAIL", name);
    current = "?";
}

int unit_failures(void) { return failures; }

int unit_finish(void)
{
    printf("%d tests, %d failed, %d failed checks\n", tests_run, tests_failed, failures);
    return failures ? 1 : 0;
}
