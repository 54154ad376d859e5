#ifndef PERFWARDEN_SPOOL_H
#define PERFWARDEN_SPOOL_H

#include "results.h"

/*
 * The local spool: one commit's results that could not reach the database,
 * kept as a JSON file $PERFWARDEN_HOME/spool/<time>-<pid>-<hash>.json (written
 * to a temporary name and renamed, so a file there is always whole).
 */

/* Write `r` to a new spool file; its path is appended to `path` (may be NULL). */
int spool_write(const struct store_results *r, struct strbuf *path, struct pw_error *err);

/*
 * A spool file read back. `results` points into the struct's own storage;
 * free with spool_entry_free().
 */
struct spool_entry {
	struct store_results results;
	void *json; /* the parsed document the strings point into */
	struct store_run_result *runs;
	struct sample *samples;
	const char **parents;
};

/* Read one spool file. PW_EINVALID when it is not a spool file. */
int spool_read(const char *path, struct spool_entry **out, struct pw_error *err);

void spool_entry_free(struct spool_entry *e);

/*
 * Store every spool file (oldest first) and remove each one stored. Counts go
 * to *stored and *left. Stops at the first failure to store (PW_EDB); a
 * malformed file is left in place, counted in *left, and reported in `err`
 * (PW_EINVALID) after the others were tried.
 */
int store_spool_replay(struct store *s, size_t *stored, size_t *left, struct pw_error *err);

/* Append the spool directory's path to `out`. */
void spool_dir(struct strbuf *out);

#endif
