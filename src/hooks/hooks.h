/* Hooks: program types, their contexts (ctx.h), the test run
 * (pbpf/hooks.h) and the packet helpers. */
#ifndef PBPF_HOOKS_HOOKS_H
#define PBPF_HOOKS_HOOKS_H

#include "pbpf/pbpf.h"

/* Registers the packet helpers (skb and XDP) with the runtime. */
void pbpf_hooks_register_helpers(struct pbpf_runtime *rt);

#endif
