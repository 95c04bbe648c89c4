/* Nothing at all: what remains is the cost of a call into the engine. */
#include "bench_prog.h"

BENCH_PROG(empty)
{
    (void)p;
    (void)end;
    return 0;
}
