#ifndef PERFWARDEN_PATHS_H
#define PERFWARDEN_PATHS_H

#include "strbuf.h"

/*
 * Where perfwarden keeps and finds things. Each function appends the path to
 * `out` (which the caller releases) and never fails.
 */

/* $PERFWARDEN_HOME, else $XDG_DATA_HOME/perfwarden, else $HOME/.local/share/perfwarden. */
void paths_home(struct strbuf *out);

/* $PERFWARDEN_GOLDEN_DIR, else the project's own golden/ directory. */
void paths_golden_dir(struct strbuf *out);

/* The project's source directory (for migrations and dashboard assets). */
const char *paths_source_dir(void);

/*
 * Create `path` and its missing parents with `mode`. Returns 0, or -1 with
 * errno set.
 */
int paths_mkdir_p(const char *path, unsigned mode);

#endif
