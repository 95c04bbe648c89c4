/* The loader module (src/loader): pbpf_object_load and its settings are
 * declared in include/pbpf/loader.h; this is what other modules and the
 * tests may use besides. */
#ifndef PBPF_LOADER_LOADER_H
#define PBPF_LOADER_LOADER_H

#include "pbpf/loader.h"

/* Maps pinned by name ("<pin_root_path>/<map name>"), process-wide: the
 * map with a new reference for the caller, or NULL. */
struct pbpf_map *pbpf_loader_pinned(const char *path);
/* Drops a pin.  0 or -ENOENT. */
int pbpf_loader_unpin(const char *path);

#endif
