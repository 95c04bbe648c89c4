/* pbpf's libbpf-compatible API follows the interface of libbpf 1.1 (the
 * declarations of bpf/libbpf.h and bpf/bpf.h of that release). */
#ifndef PBPF_COMPAT_LIBBPF_VERSION_H
#define PBPF_COMPAT_LIBBPF_VERSION_H

#define LIBBPF_MAJOR_VERSION 1
#define LIBBPF_MINOR_VERSION 1

/* Set by pbpf's headers only: lets a loader tell pbpf from libbpf. */
#define PBPF_LIBBPF_COMPAT 1

#endif
