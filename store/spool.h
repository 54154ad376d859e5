#ifndef PERFWARDEN_SPOOL_H
#define PERFWARDEN_SPOOL_H

#include "results.h"

/*
 * The local spool: one commit's results that could not reach the database,
 * kept as a JSON file $PERFWARDEN_HOME/spool/<time>-<pid>-<hash>.json (written
 * to a temporary name and renamed, so a file there is always whole). A file
 * format only: writing, reading, listing and removing those files. Storing
 * them is store/results.h's (store_results_save spools, store_results_replay
 * stores what was spooled); the spool needs only the results' types.
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
	struct store_value *values;
	const char **parents;
};

/* Read one spool file. PW_EINVALID when it is not a spool file. */
int spool_read(const char *path, struct spool_entry **out, struct pw_error *err);

void spool_entry_free(struct spool_entry *e);

/* The spool files, oldest first (their names start with the time they were written). */
struct spool_list {
	char **paths; /* full paths; owned */
	size_t n;
};

#define SPOOL_LIST_INIT                                                                            \
	{                                                                                          \
		NULL, 0                                                                            \
	}

/*
 * List the spool files into `out` (released first); none when there is no
 * spool directory. PW_EIO when it cannot be read. Free with spool_list_release().
 */
int spool_list(struct spool_list *out, struct pw_error *err);

void spool_list_release(struct spool_list *l);

/* Remove one spool file (once it is stored). PW_EIO when it cannot be. */
int spool_remove(const char *path, struct pw_error *err);

/* Append the spool directory's path to `out`. */
void spool_dir(struct strbuf *out);

#endif
