/* pbpf's libbpf-compatible API: the macros libbpf's headers share.
 * Same names and meanings as libbpf's bpf/libbpf_common.h. */
#ifndef PBPF_COMPAT_LIBBPF_COMMON_H
#define PBPF_COMPAT_LIBBPF_COMMON_H

#include <string.h>

#include "libbpf_version.h"

#ifndef LIBBPF_API
#define LIBBPF_API __attribute__((visibility("default")))
#endif

#define LIBBPF_DEPRECATED(msg) __attribute__((deprecated(msg)))

/* An options struct: zeroed (padding too, so that fields added later read
 * as 0), with .sz set to the caller's idea of its size; the library reads
 * only the fields that fit in .sz. */
#define LIBBPF_OPTS(TYPE, NAME, ...)                                                               \
    struct TYPE NAME = ({                                                                          \
        memset(&NAME, 0, sizeof(struct TYPE));                                                     \
        (struct TYPE){                                                                             \
            .sz = sizeof(struct TYPE),                                                             \
            __VA_ARGS__                                                                            \
        };                                                                                         \
    })
#define DECLARE_LIBBPF_OPTS LIBBPF_OPTS

#endif
